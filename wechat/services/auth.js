// Log-in, first binding with the admin's one-time code, who am I, log-out.
const http = require('../utils/request');
const tokenStore = require('../utils/token-store');

const TECHNICIAN_ROLES = ['technician'];
const SUPERVISOR_ROLES = ['mu_supervisor'];
const MANAGER_ROLES = ['uu_manager'];
// The use unit admin signs in with the console's password (admins do not bind WeChat) to hand out bind codes.
const ADMIN_ROLES = ['uu_admin'];

// Bind codes are read aloud and typed: "abcd efgh", "ABCD-EFGH" and " abcdefgh " are all the same code.
function normaliseBindCode(text) {
  return String(text || '')
    .replace(/[\s\-_－—]/g, '')
    .toUpperCase();
}

// wx.login → /auth/wechat/login. Rejects with code "wechat_not_bound" when this WeChat user has no account yet.
async function login() {
  const session = await http.silentLogin();
  return session.account;
}

async function bind(bindCode) {
  const code = await http.wxLoginCode();
  const session = await http.publicPost('/auth/wechat/bind', { code, bind_code: normaliseBindCode(bindCode) });
  tokenStore.save(session);
  return session.account;
}

async function passwordLogin(username, password) {
  const session = await http.publicPost('/auth/login', { username: (username || '').trim(), password });
  tokenStore.save(session);
  return session.account;
}

async function me() {
  const account = await http.get('/me');
  tokenStore.setAccount(account);
  return account;
}

async function logout() {
  try {
    await http.post('/auth/logout');
  } finally {
    tokenStore.clear();
  }
}

function hasSession() {
  return Boolean(tokenStore.getToken());
}

function currentAccount() {
  return tokenStore.getAccount();
}

// Which home a role gets; null for roles that use the web clients, not the mini-program.
function homeKind(account) {
  if (!account) return null;
  if (TECHNICIAN_ROLES.includes(account.role)) return 'technician';
  if (SUPERVISOR_ROLES.includes(account.role)) return 'supervisor';
  if (MANAGER_ROLES.includes(account.role)) return 'manager';
  if (ADMIN_ROLES.includes(account.role)) return 'admin';
  return null;
}

module.exports = { login, bind, passwordLogin, me, logout, hasSession, currentAccount, homeKind, normaliseBindCode };
