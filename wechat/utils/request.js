// The only caller of wx.request: base URL, bearer token, one error shape, a silent re-log-in on 401.
const config = require('../config');
const tokenStore = require('./token-store');
const { fromResponse, networkError } = require('./api-error');

function send({ method, path, data, token, responseType }) {
  const header = { 'Content-Type': 'application/json' };
  if (token) header.Authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.current().apiBaseUrl + path,
      method,
      data,
      header,
      timeout: 15000,
      responseType: responseType || 'text',
      success: resolve,
      fail: (res) => reject(networkError(res && res.errMsg)),
    });
  });
}

function wxLoginCode() {
  const stubUser = config.current().stubLoginUser; // develop only, see config.js
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => {
        if (!res.code) reject(networkError(res.errMsg));
        else resolve(stubUser ? `${res.code}:${stubUser}` : res.code);
      },
      fail: (res) => reject(networkError(res && res.errMsg)),
    });
  });
}

function isOk(res) {
  return res.statusCode >= 200 && res.statusCode < 300;
}

async function call(method, path, data) {
  let res;
  try {
    res = await send({ method, path, data, token: null });
  } catch (err) {
    showNetworkToast();
    throw err;
  }
  if (!isOk(res)) throw fromResponse(res);
  return res.data;
}

// Concurrent 401s share one log-in rather than spending several single-use codes.
let pendingLogin = null;

// wx.login → POST /auth/wechat/login → token saved. Rejects with wechat_not_bound (403) for an
// openid no account is bound to yet; the caller then asks for the admin's bind code.
function silentLogin() {
  if (!pendingLogin) {
    pendingLogin = wxLoginCode()
      .then((code) => call('POST', '/auth/wechat/login', { code }))
      .then((session) => {
        tokenStore.save(session);
        return session;
      })
      .finally(() => {
        pendingLogin = null;
      });
  }
  return pendingLogin;
}

function showNetworkToast() {
  wx.showToast({ title: '网络异常，请检查网络后重试', icon: 'none', duration: 2500 });
}

async function request({ method = 'GET', path, data, auth = true, responseType }) {
  let tokenUsed = null;
  const attempt = async () => {
    tokenUsed = auth ? tokenStore.getToken() : null;
    try {
      return await send({ method, path, data, token: tokenUsed, responseType });
    } catch (err) {
      showNetworkToast();
      throw err;
    }
  };
  let res = await attempt();
  if (res.statusCode === 401 && auth) {
    // Another call may be logging in again, or have done so while this one was in flight: then just retry.
    if (pendingLogin) {
      await pendingLogin;
    } else if (tokenStore.getToken() === tokenUsed) {
      tokenStore.clear();
      await silentLogin();
    }
    res = await attempt(); // once: a second 401 is returned to the caller as it is
  }
  if (!isOk(res)) throw fromResponse(res);
  return res.data;
}

// An image behind the log-in (e.g. a record's signature) as a data URL for <image src>, which sends no token.
async function image(path) {
  const body = await request({ method: 'GET', path, responseType: 'arraybuffer' });
  return `data:image/png;base64,${wx.arrayBufferToBase64(body)}`;
}

module.exports = {
  image,
  request,
  silentLogin,
  wxLoginCode,
  get: (path, data) => request({ method: 'GET', path, data }),
  post: (path, data) => request({ method: 'POST', path, data }),
  put: (path, data) => request({ method: 'PUT', path, data }),
  patch: (path, data) => request({ method: 'PATCH', path, data }),
  del: (path) => request({ method: 'DELETE', path }),
  publicPost: (path, data) => request({ method: 'POST', path, data, auth: false }),
};
