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

module.exports = { ApiError, fromResponse, networkError, NETWORK_MESSAGE };
