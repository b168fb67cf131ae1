const { scriptRequests } = require('./wx-mock');
const tokenStore = require('../utils/token-store');
const auth = require('../services/auth');
const elevators = require('../services/elevators');
const records = require('../services/records');

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

test('homeKind sends technicians and supervisors to scanning, managers to sign-off, others nowhere', () => {
  expect(auth.homeKind({ role: 'technician' })).toBe('technician');
  expect(auth.homeKind({ role: 'mu_supervisor' })).toBe('technician');
  expect(auth.homeKind({ role: 'uu_manager' })).toBe('manager');
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
