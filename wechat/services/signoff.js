// The use unit's sign-off (issue 4): pending list, review, sign, object, subscribe-message grants.
const http = require('../utils/request');
const config = require('../config');
const { ApiError } = require('../utils/api-error');

// Records of the manager's use unit still waiting for a signature, soonest deadline first.
// Each row: {record_id, elevator: {address, position, …}, maintenance_day, deadline_at, state, …}.
function pending(page) {
  return http.get('/signoff/records', { state: 'pending', page: page || 1, per_page: 20 });
}

function isHidden(err) {
  return err && (err.status === 403 || err.status === 404);
}

// One view of a record for review: its sign-off (state, deadline, decision, objection) from the sign-off API
// and its content (items, technicians) from the records API.
async function record(recordId) {
  const signoff = await http.get(`/signoff/records/${recordId}`);
  let detail = null;
  try {
    detail = await http.get(`/records/${recordId}`);
  } catch (err) {
    if (!isHidden(err)) throw err;
  }
  const brief = signoff.record || {};
  return {
    id: signoff.record_id,
    category: brief.category,
    maintenance_day: signoff.maintenance_day,
    elevator: signoff.elevator || {},
    check_in_at: brief.check_in_at,
    check_out_at: brief.check_out_at,
    remarks: brief.remarks,
    late_upload: brief.late_upload,
    technicians: detail ? detail.technicians || [] : [],
    items: detail ? detail.items || [] : [],
    contentAvailable: Boolean(detail),
    signoff: {
      state: signoff.state,
      deadline_at: signoff.deadline_at,
      decided_at: signoff.decided_at,
      objection_open: signoff.objection_open,
      objection_reason: signoff.objection_reason,
    },
    // Whether the reminder reached anyone (pending, delivered, no_recipient, no_quota, failed) and per manager.
    push: {
      outcome: signoff.push_outcome,
      label: signoff.push_outcome_label,
      recipients: signoff.push_recipients || [],
    },
  };
}

function sign(recordId, signaturePngBase64) {
  return http.post(`/signoff/records/${recordId}/sign`, { signature_png: signaturePngBase64 });
}

function object(recordId, reason) {
  return http.post(`/signoff/records/${recordId}/objection`, { reason });
}

// WeChat has no API to read the remaining one-time subscriptions, so the backend counts what we report.
function reportSubscriptions(templateIds) {
  return http.post('/wechat/subscriptions', { template_ids: templateIds });
}

// Must run inside a tap handler (WeChat refuses it otherwise). Resolves with the accepted template ids.
function requestSubscription(templateIds) {
  const ids = templateIds || config.current().subscribeTemplateIds;
  if (!ids || ids.length === 0) {
    return Promise.reject(
      new ApiError({ status: 0, code: 'subscribe_not_configured', message: '提醒模板尚未配置，请联系系统管理员' }),
    );
  }
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: (res) => resolve(ids.filter((id) => res[id] === 'accept')),
      fail: () => resolve([]),
    });
  }).then((accepted) => (accepted.length ? reportSubscriptions(accepted).then(() => accepted) : accepted));
}

// What happens without the reminder, said plainly when the manager declined it (or WeChat did not ask).
const WITHOUT_REMINDER =
  '未开启提醒：新的维保记录不会通过微信通知您。记录仍需在截止时间前签名，逾期未签名的，系统将默认确认（并非本人签名）。可随时在首页点「接收待签名提醒」重新开启。';

// Beside the button, before anyone has answered WeChat's dialog.
const REMINDER_HINT =
  '不开启提醒也可以签名，但新的维保记录不会通过微信通知您；逾期未签名的记录将由系统默认确认（并非本人签名）。';

function explainWithoutReminder() {
  wx.showModal({ title: '未开启待签名提醒', content: WITHOUT_REMINDER, showCancel: false, confirmText: '知道了' });
}

module.exports = {
  pending,
  record,
  sign,
  object,
  reportSubscriptions,
  requestSubscription,
  explainWithoutReminder,
  WITHOUT_REMINDER,
  REMINDER_HINT,
};
