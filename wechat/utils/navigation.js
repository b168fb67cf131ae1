// Where pages send people; one place so the routes are easy to follow.
const ROUTES = {
  login: '/pages/login/index',
  home: '/pages/home/index',
  scan: '/pages/scan/index',
  elevator: '/pages/elevator/index',
  record: '/pages/record/index',
  signoff: '/pages/signoff/index',
  records: '/pages/records/index',
  recordDetail: '/pages/record-detail/index',
  team: '/pages/team/index',
  bindCodes: '/pages/bind-codes/index',
  consent: '/pages/consent/index',
};

function query(params) {
  const parts = Object.keys(params || {})
    .filter((key) => params[key] !== undefined && params[key] !== null)
    .map((key) => `${key}=${encodeURIComponent(params[key])}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

function go(route, params) {
  wx.navigateTo({ url: ROUTES[route] + query(params) });
}

function restart(route, params) {
  wx.reLaunch({ url: ROUTES[route] + query(params) });
}

// After an error that means "log in again" (not bound, account disabled), back to the log-in page.
function isLoginProblem(err) {
  return Boolean(err) && (err.code === 'wechat_not_bound' || err.status === 401);
}

module.exports = { ROUTES, go, restart, isLoginProblem };
