const { scriptRequests } = require('./wx-mock');
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
  const err = await signoff.requestSubscription().catch((e) => e);
  expect(err.code).toBe('subscribe_not_configured');
  expect(err.message).toBe('提醒模板尚未配置，请联系系统管理员');
  expect(wx.requestSubscribeMessage).not.toHaveBeenCalled();
});
