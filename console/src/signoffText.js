// The sign-off in words: each event of GET /signoff/records/{id} as a line of the timeline, and the record's
// current state as a tag. A default confirmation is the system's, never the manager's signature: it is never
// worded or coloured as "signed".
import { dateTime, FLAG, SIGNOFF_STATE, SIGNOFF_STATE_TAG } from './labels'

const MANAGER = '安全管理人员'

/** `{title, detail, type}` for one event; `type` is the el-timeline-item colour. */
export function eventText(event) {
  const who = event.actor_name || ''
  switch (event.kind) {
    case 'submitted':
      return {
        title: '维保记录已提交，等待使用单位签名确认',
        detail: '签名确认期限：' + dateTime(event.deadline_at),
        type: 'primary',
      }
    case 'pushed':
      return { title: '已推送给使用单位' + MANAGER, detail: '', type: 'info' }
    case 'signed':
      return {
        title: (who || MANAGER) + ' 签名确认',
        detail: event.signature_hash ? '签名图片哈希：' + event.signature_hash.slice(0, 16) + '…' : '',
        type: 'success',
      }
    case 'default_confirmed':
      return {
        title: '期限内无人签名，系统默认签名确认（不是本人签名）',
        detail:
          '期限：' + dateTime(event.deadline_at) + '；' + (event.pushed_at ? '已于 ' + dateTime(event.pushed_at) + ' 推送' : '未能推送') +
          (event.consent_id ? '；依据使用单位同意书 #' + event.consent_id : ''),
        type: 'warning',
      }
    case 'objected':
      return { title: (who || MANAGER) + ' 提出异议', detail: '异议理由：' + (event.reason || '—'), type: 'danger' }
    case 'objection_resolved':
      return {
        title: (who ? who + ' ' : '') + '处理了异议',
        detail: '处理说明：' + (event.reason || '—'),
        type: 'success',
      }
    case 'reopened':
      return {
        title: '异议处理后重新开放签名确认（新一轮）',
        detail: '新的签名确认期限：' + dateTime(event.deadline_at),
        type: 'primary',
      }
    case 'deadline_renewed':
      return {
        title: '使用单位同意默认签名确认规则后重新开放签名确认',
        detail: '新的签名确认期限：' + dateTime(event.deadline_at),
        type: 'primary',
      }
    default:
      return { title: '签名确认事件：' + event.kind, detail: '', type: 'info' }
  }
}

/** `{text, type}` of a record's current sign-off (`signoff` of GET /records or GET /signoff/records/{id}). */
export function signoffTag(signoff, now = new Date()) {
  if (!signoff) return { text: '无需签名确认', type: 'info' }
  const { state } = signoff
  if (state === 'pending' && signoff.deadline_at && new Date(signoff.deadline_at) <= now) {
    return { text: '已过期限，待系统默认确认', type: 'info' }
  }
  if (state === 'default_confirmed' && signoff.objection_open) return { text: '默认签名确认 · 有异议待处理', type: 'danger' }
  return { text: SIGNOFF_STATE[state] || state, type: SIGNOFF_STATE_TAG[state] ?? 'info' }
}

/** The flags a record carries, as `{key, text, type, explanation}` (empty: nothing flagged). */
export function recordFlags(record) {
  const flags = []
  const near = (value) => (value === null || value === undefined ? '未知' : Math.round(Number(value)) + ' 米')
  if (record.flag_distance) {
    flags.push({
      key: 'distance',
      type: 'danger',
      explanation:
        '签到或签退位置离电梯登记位置过远（签到 ' + near(record.check_in_distance_m) + '，签退 ' + near(record.check_out_distance_m) + '）',
    })
  }
  if (record.flag_duration) {
    flags.push({
      key: 'duration',
      type: 'warning',
      explanation: '现场用时 ' + durationText(record.duration_seconds) + '，短于该类别规定的最短时间',
    })
  }
  if (record.flag_overlap) {
    flags.push({ key: 'overlap', type: 'danger', explanation: '同一维保人员在同一时间段还有另一处电梯的维保记录' })
  }
  if (record.late_upload) {
    flags.push({ key: 'late_upload', type: 'warning', explanation: '维保当日结束后才上传（已接收并标记）' })
  }
  // Authenticity signals: with their explanation and evidence on the detail, as kinds on a list row (technicians
  // get neither: null).
  if (record.signals) {
    for (const signal of record.signals) {
      const later = signal.raised_by === 'later' ? '（提交后由记录 #' + signal.raised_by_record_id + ' 揭示）' : ''
      flags.push({
        key: 'signal-' + signal.id,
        kind: signal.kind,
        type: 'danger',
        text: signal.label,
        explanation: signal.explanation + later,
        related: relatedRecords(signal.evidence, record.id),
      })
    }
  } else if (record.signal_kinds) {
    for (const kind of record.signal_kinds) flags.push({ key: kind, kind, type: 'danger', explanation: '' })
  }
  return flags.map((flag) => ({ ...flag, text: flag.text || FLAG[flag.kind || flag.key] }))
}

// The other records a signal's evidence names (the one that used the photo too, the other job of the trip, the rest of
// a burst), so a supervisor can open them from the flag.
export function relatedRecords(evidence, ownId) {
  if (!evidence) return []
  const ids = [evidence.other_record_id, evidence.from_record_id, evidence.to_record_id, ...(evidence.record_ids || [])]
  return [...new Set(ids.filter((id) => Number.isInteger(id) && id !== ownId))].sort((a, b) => a - b)
}

export function durationText(seconds) {
  if (seconds === null || seconds === undefined) return '—'
  const minutes = Math.round(Number(seconds) / 60)
  if (minutes < 60) return minutes + ' 分钟'
  return Math.floor(minutes / 60) + ' 小时 ' + (minutes % 60) + ' 分钟'
}
