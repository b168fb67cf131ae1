// Log-in, first binding with the admin's one-time code, who am I, log-out.
const http = require('../utils/request');
const tokenStore = require('../utils/token-store');

const TECHNICIAN_ROLES = ['technician', 'mu_supervisor'];
const MANAGER_ROLES = ['uu_manager'];

// wx.login → /auth/wechat/login. Rejects with code "wechat_not_bound" when this WeChat user has no account yet.
async function login() {
  const session = await http.silentLogin();
  return session.account;
}

async function bind(bindCode) {
  const code = await http.wxLoginCode();
  const session = await http.publicPost('/auth/wechat/bind', { code, bind_code: bindCode.trim().toUpperCase() });
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
  if (MANAGER_ROLES.includes(account.role)) return 'manager';
  return null;
}

module.exports = { login, bind, me, logout, hasSession, currentAccount, homeKind };
