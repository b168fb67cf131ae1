const { scriptRequests } = require('./wx-mock');
const tokenStore = require('../utils/token-store');
const auth = require('../services/auth');
const elevators = require('../services/elevators');
const records = require('../services/records');
const signoff = require('../services/signoff');

const BASE = 'http://127.0.0.1:5000/api/v1';

function sent() {
  return wx.request.mock.calls.map(([opts]) => `${opts.method} ${opts.url.replace(BASE, '')}`);
}

beforeEach(() => tokenStore.save({ token: 'tok', expires_at: '2999-01-01T00:00:00+00:00' }));

test('the scanned code is looked up on the registry endpoint', async () => {
  scriptRequests(wx, [{ statusCode: 200, data: { id: 1 } }]);
  await elevators.byPublicCode('k7m2p9q4');
  expect(sent()).toEqual(['GET /elevators/by-public-code/k7m2p9q4']);
});

test('me refreshes the stored account', async () => {
  scriptRequests(wx, [{ statusCode: 200, data: { id: 4, role: 'technician', name: '张师傅' } }]);
  await auth.me();
  expect(sent()).toEqual(['GET /me']);
  expect(tokenStore.getAccount()).toEqual({ id: 4, role: 'technician', name: '张师傅' });
});

test('log-out forgets the token even when the server cannot be reached', async () => {
  scriptRequests(wx, [{ fail: 'request:fail' }]);
  await expect(auth.logout()).rejects.toMatchObject({ code: 'network_error' });
  expect(tokenStore.getToken()).toBeNull();
});

test('homeKind gives each WeChat role its home, the use unit admin the bind codes, others nowhere', () => {
  expect(auth.homeKind({ role: 'technician' })).toBe('technician');
  expect(auth.homeKind({ role: 'mu_supervisor' })).toBe('supervisor');
  expect(auth.homeKind({ role: 'uu_manager' })).toBe('manager');
  expect(auth.homeKind({ role: 'uu_admin' })).toBe('admin');
  expect(auth.homeKind({ role: 'mu_admin' })).toBeNull();
  expect(auth.homeKind({ role: 'regulator' })).toBeNull();
  expect(auth.homeKind(null)).toBeNull();
});

test('submitting sends the signature PNG as base64 with the device time', async () => {
  scriptRequests(wx, [{ statusCode: 201, data: { id: 41 } }]);
  await records.submit(5, 'iVBORw0KGgo=');
  const body = wx.request.mock.calls[0][0].data;
  expect(sent()).toEqual(['POST /drafts/5/submit']);
  expect(body.signature_png).toBe('iVBORw0KGgo=');
  expect(Number.isNaN(Date.parse(body.device_submitted_at))).toBe(false);
});

test('a retried submission sends the time of the first tap, not the time of the retry', async () => {
  scriptRequests(wx, [{ statusCode: 200, data: { id: 41 } }]);
  await records.submit(5, 'iVBORw0KGgo=', '2026-11-25T02:40:00.000Z');
  expect(wx.request.mock.calls[0][0].data.device_submitted_at).toBe('2026-11-25T02:40:00.000Z');
});

test('a bind code typed with spaces, dashes or in lower case is sent as the admin issued it', async () => {
  scriptRequests(wx, [{ statusCode: 200, data: { token: 't2', expires_at: '2999-01-01T00:00:00+00:00', account: { id: 7 } } }]);
  await auth.bind(' abcd efgh ');
  expect(wx.request.mock.calls[0][0].data.bind_code).toBe('ABCDEFGH');
  expect(auth.normaliseBindCode('ab-cd　ef gh')).toBe('ABCDEFGH');
});

test('the records list sends only the filters given', async () => {
  scriptRequests(wx, [{ statusCode: 200, data: { items: [], next_cursor: null } }]);
  await records.list({ technician_id: 4, signoff_state: 'pending', elevator_id: undefined, flagged: '' });
  const opts = wx.request.mock.calls[0][0];
  expect(sent()).toEqual(['GET /records']);
  expect(opts.data).toEqual({ per_page: 20, technician_id: 4, signoff_state: 'pending' });
});

test('the signature image is fetched with the token and shown as a data URL', async () => {
  wx.arrayBufferToBase64 = jest.fn(() => 'iVBORw0KGgo=');
  scriptRequests(wx, [{ statusCode: 200, data: new ArrayBuffer(4) }]);
  await expect(records.signatureDataUrl(41)).resolves.toBe('data:image/png;base64,iVBORw0KGgo=');
  const opts = wx.request.mock.calls[0][0];
  expect(opts.responseType).toBe('arraybuffer');
  expect(opts.header.Authorization).toBe('Bearer tok');
});

test('a signature that cannot be fetched becomes a message for the page, not a rejection', async () => {
  scriptRequests(wx, [{ statusCode: 404, data: { error: { code: 'not_found', message: '找不到该维保记录' } } }]);
  await expect(records.signatureView(41, '签名暂时无法显示')).resolves.toEqual({
    signatureSrc: '',
    signatureError: '签名暂时无法显示：找不到该维保记录',
  });
});

test('cancelling a draft sends DELETE to the draft and accepts the empty 204', async () => {
  scriptRequests(wx, [{ statusCode: 204, data: '' }]);
  await expect(records.cancelDraft(5)).resolves.toBe('');
  expect(sent()).toEqual(['DELETE /drafts/5']);
});

test('site confirmation sends the location and the completions separately', async () => {
  scriptRequests(wx, [{ statusCode: 201, data: { location: {}, elevator: {} } }]);
  const point = { lat: 23.13, lng: 113.26, accuracy_m: 8, coord_system: 'gcj02', captured_at: '2026-11-25T01:00:00.000Z' };
  await elevators.confirmSite(9, point, { position: '东侧客梯' });
  expect(sent()).toEqual(['POST /elevators/9/site-confirmations']);
  expect(wx.request.mock.calls[0][0].data).toEqual({ location: point, completions: { position: '东侧客梯' } });
});

test('the pending list asks the sign-off API for pending records', async () => {
  scriptRequests(wx, [{ statusCode: 200, data: { items: [], total: 0 } }]);
  await signoff.pending();
  expect(sent()).toEqual(['GET /signoff/records']);
  expect(wx.request.mock.calls[0][0].data).toEqual({ state: 'pending', page: 1, per_page: 20 });
});

const SIGNOFF = {
  record_id: 12,
  state: 'default_confirmed',
  deadline_at: '2026-11-24T15:59:59+00:00',
  decided_at: '2026-11-24T16:00:01+00:00',
  objection_open: false,
  objection_reason: null,
  maintenance_day: '2026-11-24',
  elevator: { id: 9, address: '天河路 1 号', position: null },
  record: { id: 12, category: 'quarter', check_in_at: 'a', check_out_at: 'b', remarks: '无', late_upload: false },
};

test('a record for review merges its sign-off state and its content', async () => {
  scriptRequests(wx, [
    { statusCode: 200, data: SIGNOFF },
    { statusCode: 200, data: { id: 12, technicians: [{ name: '张师傅' }], items: [{ code: 'A-1-01', result: 'normal' }] } },
  ]);
  const view = await signoff.record(12);
  expect(sent()).toEqual(['GET /signoff/records/12', 'GET /records/12']);
  expect(view).toMatchObject({
    id: 12,
    category: 'quarter',
    elevator: { address: '天河路 1 号' },
    check_in_at: 'a',
    check_out_at: 'b',
    technicians: [{ name: '张师傅' }],
    items: [{ code: 'A-1-01', result: 'normal' }],
    contentAvailable: true,
    signoff: { state: 'default_confirmed', decided_at: '2026-11-24T16:00:01+00:00' },
  });
});

test('a record whose content the manager may not read still shows its sign-off', async () => {
  scriptRequests(wx, [
    { statusCode: 200, data: SIGNOFF },
    { statusCode: 404, data: { error: { code: 'not_found', message: '找不到该维保记录' } } },
  ]);
  const view = await signoff.record(12);
  expect(view.contentAvailable).toBe(false);
  expect(view.items).toEqual([]);
  expect(view.signoff.state).toBe('default_confirmed');
});

test('sign and objection go to the sign-off endpoints', async () => {
  scriptRequests(wx, [{ statusCode: 201, data: {} }, { statusCode: 201, data: {} }]);
  await signoff.sign(12, 'iVBORw0KGgo=');
  await signoff.object(12, '未见维保人员');
  expect(sent()).toEqual(['POST /signoff/records/12/sign', 'POST /signoff/records/12/objection']);
  expect(wx.request.mock.calls.map(([o]) => o.data)).toEqual([{ signature_png: 'iVBORw0KGgo=' }, { reason: '未见维保人员' }]);
});
