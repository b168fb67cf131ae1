// The use unit's sign-off (issue 4): pending list, sign, object, subscribe-message grants.
const http = require('../utils/request');
const config = require('../config');
const { ApiError } = require('../utils/api-error');

function pending(page) {
  return http.get('/signoff/pending', { page: page || 1, per_page: 20 });
}

function record(recordId) {
  return http.get(`/records/${recordId}`);
}

function sign(recordId, signaturePngBase64) {
  return http.post(`/records/${recordId}/sign`, { signature_png: signaturePngBase64 });
}

function object(recordId, reason) {
  return http.post(`/records/${recordId}/objections`, { reason });
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

module.exports = { pending, record, sign, object, reportSubscriptions, requestSubscription };
