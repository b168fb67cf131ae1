// Sign-off states as the manager sees them. 默认确认 is a state of its own, never shown as signed.
const STATES = {
  pending: { label: '待签名确认', tone: 'warn' },
  signed: { label: '已签名确认', tone: 'ok' },
  default_confirmed: { label: '默认确认', tone: 'neutral', hint: '截止时间前未签名，系统已按规定默认确认（并非本人签名）' },
  objected: { label: '已提出异议', tone: 'danger' },
  objection_resolved: { label: '异议已处理', tone: 'neutral' },
};

function describe(state) {
  return STATES[state] || { label: '状态未知', tone: 'neutral' };
}

// What became of the sign-off reminder (the backend's push_outcome; its label comes with it).
const PUSH_TONES = { pending: 'neutral', delivered: 'ok', no_recipient: 'danger', no_quota: 'warn', failed: 'danger' };
const RECIPIENT_TONES = { delivered: 'ok', pending: 'neutral', retrying: 'neutral' };

function describePush(push) {
  const outcome = (push && push.outcome) || '';
  return {
    outcome,
    label: (push && push.label) || '',
    tone: PUSH_TONES[outcome] || 'neutral',
    reached: outcome === 'delivered',
    recipients: ((push && push.recipients) || []).map((r) => ({
      id: r.account_id,
      name: r.name,
      label: r.label,
      tone: RECIPIENT_TONES[r.outcome] || 'warn',
    })),
  };
}

module.exports = { STATES, describe, describePush };
