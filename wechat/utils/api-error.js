// One rejection shape for every failed call: the API's own code and Chinese message, plus field errors.
class ApiError extends Error {
  constructor({ status, code, message, fields }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
}

const NETWORK_MESSAGE = '网络异常，请检查网络后重试';

function fromResponse(res) {
  const body = res && res.data;
  const error = body && typeof body === 'object' ? body.error : null;
  if (error && error.code) {
    return new ApiError({
      status: res.statusCode,
      code: error.code,
      message: error.message || `请求失败（${res.statusCode}）`,
      fields: error.fields,
    });
  }
  return new ApiError({
    status: res.statusCode,
    code: 'http_error',
    message: res.statusCode >= 500 ? `服务器暂时不可用（${res.statusCode}），请稍后再试` : `请求失败（${res.statusCode}）`,
  });
}

function networkError(errMsg) {
  const err = new ApiError({ status: 0, code: 'network_error', message: NETWORK_MESSAGE });
  err.detail = errMsg;
  return err;
}

// The API refuses device times far from its own clock (captured_at, device_submitted_at): say what to do.
const DEVICE_TIME_FIELDS = /(^|\.)(captured_at|device_submitted_at)$/;
const CLOCK_AHEAD = '手机时间比北京时间快了太多，服务器拒收了这次操作。请在手机「设置 → 日期与时间」中打开「自动设置」，再重试。';
const CLOCK_BEHIND =
  '手机记录的时间太早（手机时间慢了很多，或这条内容在手机上等待上传超过 3 天），服务器不再接收。请校准手机时间后重新操作。';

function deviceTimeMessage(err) {
  if (!err || err.status !== 422) return '';
  const field = Object.keys(err.fields || {}).find((name) => DEVICE_TIME_FIELDS.test(name));
  if (!field) return '';
  return /未来/.test(err.fields[field]) ? CLOCK_AHEAD : CLOCK_BEHIND;
}

// What to show for a failed call: the clock explanation when that is the cause, else the API's own message.
function explain(err) {
  return deviceTimeMessage(err) || (err && err.message) || '操作失败，请重试';
}

module.exports = { ApiError, fromResponse, networkError, deviceTimeMessage, explain, NETWORK_MESSAGE };
