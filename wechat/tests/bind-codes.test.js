// The use unit admin in WeChat: the unit's safety managers, a one-time bind code for an unbound one, shown to
// be read aloud (two groups of four) or copied; a double tap issues one code (a second would void the first).
const { routeRequests } = require('./wx-mock');
const { loginAs, clearPhone, settle, pageRenderer } = require('./pages-helper');

const render = pageRenderer('bind-codes');

const MANAGERS = {
  statusCode: 200,
  data: {
    items: [
      { id: 30, name: '王经理', mobile: '13800000001', role: 'uu_manager', wechat_bound: true },
      { id: 31, name: '赵经理', mobile: '13800000002', role: 'uu_manager', wechat_bound: false },
    ],
    total: 2,
  },
};

beforeEach(() => {
  clearPhone();
  loginAs('uu_admin', 20, '物业管理员');
});

test('an unbound manager gets a code, shown spaced for reading aloud, with its validity', async () => {
  const calls = routeRequests(wx, {
    'GET /staff': MANAGERS,
    'POST /staff/31/bind-code': { statusCode: 201, data: { bind_code: 'K7M2P9Q4', expires_in_seconds: 1800 } },
  });
  const page = render();
  await settle();
  expect(calls[0].query).toEqual({ role: 'uu_manager', active: true, per_page: 100 });
  const rows = page.querySelectorAll('.manager-row');
  expect(rows[0].dom.textContent).toContain('已绑定微信');
  // Only the unbound one can be given a code (a bound account refuses binding again).
  expect(page.querySelectorAll('.issue')).toHaveLength(1);

  await page.instance.issue({ currentTarget: { dataset: { id: 31 } } });
  await settle();
  expect(page.querySelector('.bind-code').dom.textContent).toBe('K7M2 P9Q4');
  expect(page.querySelector('.issued').dom.textContent).toContain('30 分钟内有效，只能使用一次');
  page.instance.copyCode();
  expect(wx.setClipboardData).toHaveBeenCalledWith(expect.objectContaining({ data: 'K7M2P9Q4' }));
});

test('a double tap issues one code', async () => {
  const calls = routeRequests(wx, {
    'GET /staff': MANAGERS,
    'POST /staff/31/bind-code': { statusCode: 201, data: { bind_code: 'K7M2P9Q4', expires_in_seconds: 1800 } },
  });
  const page = render();
  await settle();
  const tap = { currentTarget: { dataset: { id: 31 } } };
  await Promise.all([page.instance.issue(tap), page.instance.issue(tap)]);
  expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);
});

test('a refusal is shown in Chinese', async () => {
  routeRequests(wx, {
    'GET /staff': MANAGERS,
    'POST /staff/31/bind-code': { statusCode: 409, data: { error: { code: 'account_inactive', message: '账号已停用，不能发放绑定码' } } },
  });
  const page = render();
  await settle();
  await page.instance.issue({ currentTarget: { dataset: { id: 31 } } });
  await settle();
  expect(page.querySelector('.issue-error').dom.textContent).toBe('账号已停用，不能发放绑定码');
  expect(page.querySelector('.issued')).toBeUndefined();
});

test('a unit that has not agreed to the default-confirmation rules is sent to read and accept them', async () => {
  routeRequests(wx, {
    'GET /staff': MANAGERS,
    'POST /staff/31/bind-code': {
      statusCode: 409,
      data: { error: { code: 'consent_required', message: '本单位尚未同意现行《默认签名确认规则》（第 1 版），暂不能绑定安全管理人员' } },
    },
  });
  const page = render();
  await settle();
  await page.instance.issue({ currentTarget: { dataset: { id: 31 } } });
  await settle();
  expect(page.querySelector('.issue-error').dom.textContent).toContain('尚未同意');
  page.instance.openConsent();
  expect(wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/consent/index' }));
});
