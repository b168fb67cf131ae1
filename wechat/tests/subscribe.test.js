const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');
const { scriptRequests } = require('./wx-mock');
const config = require('../config');
const signoff = require('../services/signoff');
const tokenStore = require('../utils/token-store');

beforeEach(() => {
  tokenStore.save({ token: 'tok', expires_at: '2999-01-01T00:00:00+00:00' });
});

test('reports only the templates the manager accepted', async () => {
  wx.requestSubscribeMessage.mockImplementation((opts) =>
    opts.success({ errMsg: 'requestSubscribeMessage:ok', tplA: 'accept', tplB: 'reject', tplC: 'ban' }),
  );
  scriptRequests(wx, [{ statusCode: 200, data: { ok: true } }]);
  await expect(signoff.requestSubscription(['tplA', 'tplB', 'tplC'])).resolves.toEqual(['tplA']);
  expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['tplA', 'tplB', 'tplC']);
  const [sent] = wx.request.mock.calls.map(([opts]) => opts);
  expect(sent.method).toBe('POST');
  expect(sent.url).toBe('http://127.0.0.1:5000/api/v1/wechat/subscriptions');
  expect(sent.data).toEqual({ template_ids: ['tplA'] });
});

test('nothing is reported when every template was refused or the dialog failed', async () => {
  wx.requestSubscribeMessage.mockImplementationOnce((opts) => opts.success({ tplA: 'reject' }));
  await expect(signoff.requestSubscription(['tplA'])).resolves.toEqual([]);
  wx.requestSubscribeMessage.mockImplementationOnce((opts) => opts.fail({ errMsg: 'requestSubscribeMessage:fail' }));
  await expect(signoff.requestSubscription(['tplA'])).resolves.toEqual([]);
  expect(wx.request).not.toHaveBeenCalled();
});

test('without configured templates it says so instead of pretending', async () => {
  wx.getAccountInfoSync.mockReturnValueOnce({ miniProgram: { envVersion: 'release' } }); // no template id there yet
  const err = await signoff.requestSubscription().catch((e) => e);
  expect(err.code).toBe('subscribe_not_configured');
  expect(err.message).toBe('提醒模板尚未配置，请联系系统管理员');
  expect(wx.requestSubscribeMessage).not.toHaveBeenCalled();
});

test('a tap on the sign-off page asks WeChat at once and reports the accepted template', async () => {
  const develop = config.ENVIRONMENTS.develop;
  const configured = develop.subscribeTemplateIds;
  develop.subscribeTemplateIds = ['tpl-signoff'];
  try {
    wx.requestSubscribeMessage.mockImplementation((opts) => opts.success({ 'tpl-signoff': 'accept' }));
    scriptRequests(wx, [
      {
        statusCode: 200,
        data: {
          record_id: 12,
          state: 'pending',
          elevator: {},
          record: {},
          push_outcome: 'no_quota',
          push_outcome_label: '未推送：安全管理人员未开启提醒（订阅次数已用完）',
          push_recipients: [],
        },
      },
      { statusCode: 200, data: { technicians: [], items: [] } },
      { statusCode: 200, data: new ArrayBuffer(2) }, // the technician's signature image
      { statusCode: 200, data: { items: [{ template_id: 'tpl-signoff', remaining: 1 }] } },
    ]);
    const page = simulate.render(loadComponent('pages/signoff/index'));
    page.attach(document.createElement('parent-wrapper'));
    page.instance.onLoad({ record_id: '12' });
    await simulate.sleep(0);
    await simulate.sleep(0);
    expect(page.querySelector('.subscribe')).toBeDefined();
    const tapped = page.instance.subscribe(); // the button's bindtap handler
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1); // still inside the tap, before any await
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['tpl-signoff']);
    await tapped;
    const report = wx.request.mock.calls[3][0];
    expect([report.method, report.url]).toEqual(['POST', 'http://127.0.0.1:5000/api/v1/wechat/subscriptions']);
    expect(report.data).toEqual({ template_ids: ['tpl-signoff'] });
  } finally {
    develop.subscribeTemplateIds = configured;
  }
});
