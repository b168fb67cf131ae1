const { scriptRequests } = require('./wx-mock');
const http = require('../utils/request');
const tokenStore = require('../utils/token-store');

const BASE = 'http://127.0.0.1:5000/api/v1';
const SESSION = { token: 'fresh-token', expires_at: '2999-01-01T00:00:00+00:00', account: { id: 7, role: 'technician' } };

function calls() {
  return wx.request.mock.calls.map(([opts]) => opts);
}

beforeEach(() => {
  tokenStore.clear();
});

test('sends the bearer token and the JSON body to the configured base URL', async () => {
  tokenStore.save({ token: 'tok-1', expires_at: '2999-01-01T00:00:00+00:00' });
  scriptRequests(wx, [{ statusCode: 200, data: { id: 3 } }]);
  await expect(http.post('/drafts', { elevator_id: 3 })).resolves.toEqual({ id: 3 });
  const [sent] = calls();
  expect(sent.url).toBe(`${BASE}/drafts`);
  expect(sent.method).toBe('POST');
  expect(sent.data).toEqual({ elevator_id: 3 });
  expect(sent.header.Authorization).toBe('Bearer tok-1');
});

test('an expired token is not sent', async () => {
  tokenStore.save({ token: 'old', expires_at: '2000-01-01T00:00:00+00:00' });
  scriptRequests(wx, [{ statusCode: 200, data: {} }]);
  await http.get('/elevators/1');
  expect(calls()[0].header.Authorization).toBeUndefined();
});

test('a non-2xx answer rejects with the API code, Chinese message, fields and status', async () => {
  tokenStore.save({ token: 'tok-1' });
  scriptRequests(wx, [
    {
      statusCode: 422,
      data: { error: { code: 'validation_error', message: '输入有误', fields: { note: '不适用时必须填写原因' } } },
    },
  ]);
  const err = await http.put('/drafts/1/results', { results: [] }).catch((e) => e);
  expect(err.name).toBe('ApiError');
  expect(err.status).toBe(422);
  expect(err.code).toBe('validation_error');
  expect(err.message).toBe('输入有误');
  expect(err.fields).toEqual({ note: '不适用时必须填写原因' });
  expect(wx.showToast).not.toHaveBeenCalled();
});

test('a non-JSON error page still rejects with a Chinese message', async () => {
  scriptRequests(wx, [{ statusCode: 502, data: '<html>Bad Gateway</html>' }]);
  const err = await http.get('/me').catch((e) => e);
  expect(err.status).toBe(502);
  expect(err.code).toBe('http_error');
  expect(err.message).toBe('服务器暂时不可用（502），请稍后再试');
});

test('on 401 it logs in again with wx.login once and retries with the new token', async () => {
  tokenStore.save({ token: 'stale', expires_at: '2999-01-01T00:00:00+00:00' });
  scriptRequests(wx, [
    { statusCode: 401, data: { error: { code: 'unauthenticated', message: '请先登录' } } },
    { statusCode: 200, data: SESSION },
    { statusCode: 200, data: { id: 9, public_code: 'abcd2345' } },
  ]);
  await expect(http.get('/elevators/9')).resolves.toEqual({ id: 9, public_code: 'abcd2345' });
  const sent = calls();
  expect(sent.map((c) => `${c.method} ${c.url.replace(BASE, '')}`)).toEqual([
    'GET /elevators/9',
    'POST /auth/wechat/login',
    'GET /elevators/9',
  ]);
  expect(wx.login).toHaveBeenCalledTimes(1);
  expect(sent[0].header.Authorization).toBe('Bearer stale');
  expect(sent[1].data).toEqual({ code: 'wx-code-1' });
  expect(sent[1].header.Authorization).toBeUndefined();
  expect(sent[2].header.Authorization).toBe('Bearer fresh-token');
  expect(tokenStore.getToken()).toBe('fresh-token');
  expect(tokenStore.getAccount()).toEqual(SESSION.account);
});

test('a second 401 after the re-login is rejected, not retried again', async () => {
  tokenStore.save({ token: 'stale' });
  const unauth = { statusCode: 401, data: { error: { code: 'unauthenticated', message: '登录已过期' } } };
  scriptRequests(wx, [unauth, { statusCode: 200, data: SESSION }, unauth]);
  const err = await http.get('/me').catch((e) => e);
  expect(err.status).toBe(401);
  expect(err.message).toBe('登录已过期');
  expect(wx.request).toHaveBeenCalledTimes(3);
  expect(wx.login).toHaveBeenCalledTimes(1);
});

test('a 401 whose re-login finds no bound account rejects with wechat_not_bound', async () => {
  tokenStore.save({ token: 'stale' });
  scriptRequests(wx, [
    { statusCode: 401, data: { error: { code: 'unauthenticated', message: '请先登录' } } },
    { statusCode: 403, data: { error: { code: 'wechat_not_bound', message: '该微信尚未绑定账号' } } },
  ]);
  const err = await http.get('/me').catch((e) => e);
  expect(err.code).toBe('wechat_not_bound');
  expect(err.status).toBe(403);
  expect(wx.request).toHaveBeenCalledTimes(2);
  expect(tokenStore.getToken()).toBeNull();
});

test('concurrent 401s share one re-login', async () => {
  tokenStore.save({ token: 'stale' });
  const unauth = { statusCode: 401, data: { error: { code: 'unauthenticated', message: '请先登录' } } };
  scriptRequests(wx, [unauth, unauth, { statusCode: 200, data: SESSION }, { statusCode: 200, data: 1 }, { statusCode: 200, data: 2 }]);
  const results = await Promise.all([http.get('/a'), http.get('/b')]);
  expect(results.sort()).toEqual([1, 2]);
  expect(wx.login).toHaveBeenCalledTimes(1);
  expect(calls().filter((c) => c.url.endsWith('/auth/wechat/login'))).toHaveLength(1);
});

test('a 401 that arrives after another call already logged in again retries without a second log-in', async () => {
  tokenStore.save({ token: 'stale' });
  wx.request.mockImplementation((opts) => {
    opts.success({ statusCode: 200, data: { retriedWith: opts.header.Authorization } });
  });
  wx.request.mockImplementationOnce((opts) => {
    // The token is replaced (by another call's re-login) while this request is in flight.
    tokenStore.save({ token: 'newer' });
    opts.success({ statusCode: 401, data: { error: { code: 'unauthenticated', message: '请先登录' } } });
  });
  await expect(http.get('/slow')).resolves.toEqual({ retriedWith: 'Bearer newer' });
  expect(wx.login).not.toHaveBeenCalled();
  expect(wx.request).toHaveBeenCalledTimes(2);
});

test('requests without auth never trigger a re-login on 401', async () => {
  scriptRequests(wx, [{ statusCode: 401, data: { error: { code: 'unauthenticated', message: '绑定码无效' } } }]);
  const err = await http.publicPost('/auth/wechat/bind', { code: 'c', bind_code: 'ABCD' }).catch((e) => e);
  expect(err.message).toBe('绑定码无效');
  expect(wx.login).not.toHaveBeenCalled();
});

test('a network failure shows a toast and rejects with network_error', async () => {
  scriptRequests(wx, [{ fail: 'request:fail timeout' }]);
  const err = await http.get('/me').catch((e) => e);
  expect(err.code).toBe('network_error');
  expect(err.status).toBe(0);
  expect(err.message).toBe('网络异常，请检查网络后重试');
  expect(wx.showToast).toHaveBeenCalledTimes(1);
  expect(wx.showToast.mock.calls[0][0]).toMatchObject({ title: '网络异常，请检查网络后重试', icon: 'none' });
});

test('the base URL follows the environment version', async () => {
  wx.getAccountInfoSync.mockReturnValueOnce({ miniProgram: { envVersion: 'release' } });
  scriptRequests(wx, [{ statusCode: 200, data: {} }]);
  await http.get('/me');
  expect(calls()[0].url).toBe('https://miniback.example.cn/api/v1/me');
});

test('against the demo stub the configured develop user is appended to the login code', async () => {
  const config = require('../config');
  config.ENVIRONMENTS.develop.stubLoginUser = 'manager1';
  try {
    scriptRequests(wx, [{ statusCode: 200, data: SESSION }]);
    await http.silentLogin();
    expect(calls()[0].data).toEqual({ code: 'wx-code-1:manager1' });
  } finally {
    config.ENVIRONMENTS.develop.stubLoginUser = '';
  }
});

test('release builds never carry a stub user', () => {
  const config = require('../config');
  expect(config.ENVIRONMENTS.release.stubLoginUser).toBeUndefined();
  expect(config.ENVIRONMENTS.trial.stubLoginUser).toBeUndefined();
});
