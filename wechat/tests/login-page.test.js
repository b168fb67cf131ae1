const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');
const { scriptRequests } = require('./wx-mock');
const tokenStore = require('../utils/token-store');

const pageId = loadComponent('pages/login/index');
const NOT_BOUND = { statusCode: 403, data: { error: { code: 'wechat_not_bound', message: '该微信尚未绑定账号，请输入管理员提供的绑定码' } } };

function session(role) {
  return { statusCode: 200, data: { token: 't1', expires_at: '2999-01-01T00:00:00+00:00', account: { id: 3, role, name: '王经理' } } };
}

async function open(options) {
  const page = simulate.render(pageId);
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad(options || {});
  await simulate.sleep(0);
  await simulate.sleep(0);
  return page;
}

beforeEach(() => tokenStore.clear());

test('a bound user is logged in silently and sent home', async () => {
  scriptRequests(wx, [session('uu_manager')]);
  await open();
  expect(wx.request.mock.calls[0][0].url).toMatch(/\/auth\/wechat\/login$/);
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' });
  expect(tokenStore.getToken()).toBe('t1');
});

test('an unbound user is asked for the bind code and binding logs in', async () => {
  scriptRequests(wx, [NOT_BOUND, session('technician')]);
  const page = await open();
  expect(page.data.mode).toBe('bind');
  expect(page.querySelector('.bind-input')).toBeDefined();
  page.querySelector('.bind-input').dispatchEvent('input', { detail: { value: ' k7m2p9q4 ' } });
  await simulate.sleep(0);
  await page.instance.submitBind();
  const bind = wx.request.mock.calls[1][0];
  expect(bind.url).toMatch(/\/auth\/wechat\/bind$/);
  expect(bind.data).toEqual({ code: 'wx-code-1', bind_code: 'K7M2P9Q4' });
  expect(bind.header.Authorization).toBeUndefined();
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' });
});

test('a wrong bind code shows the API message and stays on the form', async () => {
  scriptRequests(wx, [NOT_BOUND, { statusCode: 422, data: { error: { code: 'validation_error', message: '绑定码无效或已过期' } } }]);
  const page = await open();
  page.instance.onBindCodeInput({ detail: { value: 'ABCD2345' } });
  await page.instance.submitBind();
  expect(page.data.mode).toBe('bind');
  expect(page.data.error).toBe('绑定码无效或已过期');
  expect(wx.reLaunch).not.toHaveBeenCalled();
});

test('a too-short bind code is refused before calling the server', async () => {
  scriptRequests(wx, [NOT_BOUND]);
  const page = await open();
  page.instance.onBindCodeInput({ detail: { value: 'AB' } });
  await page.instance.submitBind();
  expect(page.data.error).toBe('请输入完整的绑定码');
  expect(wx.request).toHaveBeenCalledTimes(1);
});

test('an account of a web-only role is told to use the web client', async () => {
  scriptRequests(wx, [session('mu_admin')]);
  const page = await open();
  expect(page.data.mode).toBe('unsupported');
  expect(wx.reLaunch).not.toHaveBeenCalled();
});

test('a network failure offers to try again', async () => {
  scriptRequests(wx, [{ fail: 'request:fail' }]);
  const page = await open();
  expect(page.data.mode).toBe('error');
  expect(page.data.error).toBe('网络异常，请检查网络后重试');
});

// WeChat opens the first page for a mini-program code without a page, with the public code as options.scene.
test('opened from an elevator mini-program code, a bound user lands on that elevator, not home', async () => {
  scriptRequests(wx, [session('technician')]);
  await open({ scene: encodeURIComponent('k7m2p9q4') });
  expect(wx.reLaunch).toHaveBeenCalledTimes(1);
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/elevator/index?code=k7m2p9q4' });
});

test('a user who scanned before binding reaches the elevator once bound', async () => {
  scriptRequests(wx, [NOT_BOUND, session('technician')]);
  const page = await open({ scene: encodeURIComponent('k7m2p9q4') });
  expect(page.data.mode).toBe('bind');
  page.instance.onBindCodeInput({ detail: { value: 'K7M2P9Q4' } });
  await page.instance.submitBind();
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/elevator/index?code=k7m2p9q4' });
});

test('log-in goes back to the elevator whose code the elevator page handed on', async () => {
  scriptRequests(wx, [session('technician')]);
  await open({ code: 'k7m2p9q4' });
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/elevator/index?code=k7m2p9q4' });
});

test('an unreadable scene goes to the elevator page, which asks to scan again', async () => {
  scriptRequests(wx, [session('technician')]);
  await open({ scene: '%E0%A4%A' });
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/elevator/index' });
});

test('a sign-off reminder opened without a session lands on its record after log-in', async () => {
  scriptRequests(wx, [session('uu_manager')]);
  await open({ record_id: '42' });
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/signoff/index?record_id=42' });
});

test('scanning the bind-code QR from the console fills the code and binds', async () => {
  scriptRequests(wx, [NOT_BOUND, session('technician')]);
  wx.scanCode.mockImplementationOnce(({ success }) => success({ result: ' k7m2p9q4\n' }));
  const page = await open();
  page.querySelector('.bind-scan').dispatchEvent('tap');
  await simulate.sleep(0);
  await simulate.sleep(0);
  expect(wx.scanCode).toHaveBeenCalledWith(expect.objectContaining({ onlyFromCamera: true, scanType: ['qrCode'] }));
  expect(wx.request.mock.calls[1][0].data).toEqual({ code: 'wx-code-1', bind_code: 'K7M2P9Q4' });
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' });
});

test('scanning an elevator QR on the bind page says it is not a bind code and sends nothing', async () => {
  scriptRequests(wx, [NOT_BOUND]);
  wx.scanCode.mockImplementationOnce(({ success }) => success({ result: 'https://lift.example.test/e/AB12CD34' }));
  const page = await open();
  page.instance.scanBindCode();
  await simulate.sleep(0);
  expect(page.data.error).toMatch(/不是绑定码/);
  expect(wx.request).toHaveBeenCalledTimes(1);
});

test('a bind code typed with spaces and in lower case binds as issued', async () => {
  scriptRequests(wx, [NOT_BOUND, session('uu_manager')]);
  const page = await open();
  page.querySelector('.bind-input').dispatchEvent('input', { detail: { value: 'k7m2 p9q4' } });
  await simulate.sleep(0);
  await page.instance.submitBind();
  expect(wx.request.mock.calls[1][0].data.bind_code).toBe('K7M2P9Q4');
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' });
});

test('a double tap on bind spends one code', async () => {
  scriptRequests(wx, [NOT_BOUND, session('uu_manager')]);
  const page = await open();
  page.querySelector('.bind-input').dispatchEvent('input', { detail: { value: 'K7M2P9Q4' } });
  await simulate.sleep(0);
  await Promise.all([page.instance.submitBind(), page.instance.submitBind()]);
  expect(wx.request.mock.calls.filter(([opts]) => opts.url.endsWith('/auth/wechat/bind'))).toHaveLength(1);
});

test('the use unit admin logs in with the console password and goes home to issue bind codes', async () => {
  scriptRequests(wx, [NOT_BOUND, session('uu_admin')]);
  const page = await open();
  page.querySelector('.use-password').dispatchEvent('tap');
  await simulate.sleep(0);
  expect(page.data.mode).toBe('password');
  page.querySelector('.username-input').dispatchEvent('input', { detail: { value: ' uu1-admin ' } });
  page.querySelector('.password-input').dispatchEvent('input', { detail: { value: 'secret-123456' } });
  await simulate.sleep(0);
  await page.instance.submitPassword();
  const login = wx.request.mock.calls[1][0];
  expect(login.url).toMatch(/\/auth\/login$/);
  expect(login.data).toEqual({ username: 'uu1-admin', password: 'secret-123456' });
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' });
  expect(page.data.password).toBe('');
});

test('a desk account logging in by password is told to use the web console', async () => {
  scriptRequests(wx, [NOT_BOUND, session('mu_admin')]);
  const page = await open();
  page.instance.usePassword();
  page.instance.onUsernameInput({ detail: { value: 'suian-admin' } });
  page.instance.onPasswordInput({ detail: { value: 'secret-123456' } });
  await page.instance.submitPassword();
  expect(page.data.mode).toBe('unsupported');
  expect(wx.reLaunch).not.toHaveBeenCalled();
});

test('after an expired log-in in the middle of a form, logging in again returns to that form', async () => {
  scriptRequests(wx, [session('technician')]);
  await open({ draftId: '5' });
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/record/index?draftId=5' });
});
