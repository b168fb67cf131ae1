// The backend's own bearer token (never a WeChat session_key), kept in local storage.
const TOKEN_KEY = 'miniback.token';
const EXPIRES_KEY = 'miniback.token_expires_at';
const ACCOUNT_KEY = 'miniback.account';

function getToken() {
  const token = wx.getStorageSync(TOKEN_KEY);
  if (!token) return null;
  const expiresAt = wx.getStorageSync(EXPIRES_KEY);
  if (expiresAt && Date.parse(expiresAt) <= Date.now()) return null;
  return token;
}

function save(session) {
  wx.setStorageSync(TOKEN_KEY, session.token);
  wx.setStorageSync(EXPIRES_KEY, session.expires_at || '');
  if (session.account) wx.setStorageSync(ACCOUNT_KEY, session.account);
}

function getAccount() {
  return wx.getStorageSync(ACCOUNT_KEY) || null;
}

function setAccount(account) {
  wx.setStorageSync(ACCOUNT_KEY, account);
}

function clear() {
  wx.removeStorageSync(TOKEN_KEY);
  wx.removeStorageSync(EXPIRES_KEY);
  wx.removeStorageSync(ACCOUNT_KEY);
}

module.exports = { getToken, save, getAccount, setAccount, clear, TOKEN_KEY, EXPIRES_KEY, ACCOUNT_KEY };
