// End to end against a running demo server (tests/demo/test_miniprogram_e2e.py starts it): a technician scans
// an elevator's plain-link QR code, confirms the elevator and the location, fills in the record in a weak
// signal (saves queued and retried, the submission's answer lost and retried), and the record exists once;
// their supervisor sees it among today's jobs; the use unit's manager opens it from the reminder link, sees it pending with the technician's signature, and
// signs; the technician then sees it signed. Only wx.request (bridged to HTTP), wx.login and the device APIs
// are stand-ins; pages, services, the queue and the server are real.
const simulate = require('miniprogram-simulate');
const { loadComponent } = require('../tests/load-component');
const config = require('../config');
const auth = require('../services/auth');
const elevators = require('../services/elevators');
const records = require('../services/records');
const signoff = require('../services/signoff');
const tokenStore = require('../utils/token-store');
const outbox = require('../utils/outbox');

const bridge = global.__bridge;
const API = process.env.MINIBACK_E2E_API;
const ORIGIN = new URL(API).origin;
const TECH_SIGNATURE = process.env.MINIBACK_E2E_TECH_SIGNATURE;
const MANAGER_SIGNATURE = process.env.MINIBACK_E2E_MANAGER_SIGNATURE;

// The develop environment, pointed at the demo server; its QR codes are /e/<code> on the same origin.
Object.assign(config.ENVIRONMENTS.develop, { apiBaseUrl: API, publicOrigins: [ORIGIN] });

// Each page loaded once (miniprogram-simulate registers a page's Component() on its first load only).
const PAGES = {};
['login', 'home', 'elevator', 'record', 'signoff', 'records', 'team'].forEach((name) => {
  PAGES[name] = loadComponent(`pages/${name}/index`);
});

function open(name, options, lifecycle) {
  const page = simulate.render(PAGES[name]);
  page.attach(document.createElement('parent-wrapper'));
  page.instance[lifecycle || 'onLoad'](options || {});
  return page;
}

// Real HTTP takes real time: wait (briefly, repeatedly) until the page reaches the state asked for.
async function until(check, what) {
  for (let i = 0; i < 400; i += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function as(user) {
  tokenStore.clear();
  config.ENVIRONMENTS.develop.stubLoginUser = user; // the demo's stub reads the user from "code:user"
}

function lastNavigation(mock) {
  const calls = mock.mock.calls;
  return calls.length ? calls[calls.length - 1][0].url : '';
}

test('a technician submits in a weak signal and the manager signs the one record', async () => {
  expect(TECH_SIGNATURE && MANAGER_SIGNATURE).toBeTruthy();

  // Whose elevators: the manager's use unit.
  as('manager1');
  const manager = await auth.login();
  expect(manager.role).toBe('uu_manager');

  // The technician logs in through the log-in page (silent wx.login) and lands on home.
  as('tech1');
  open('login');
  await until(() => lastNavigation(wx.reLaunch) === '/pages/home/index', 'the technician to reach home');
  const technician = auth.currentAccount();
  expect(technician.role).toBe('technician');
  const elevator = (await elevators.list()).find((e) => e.use_unit_id === manager.use_unit_id);
  expect(elevator).toBeDefined();
  const before = await records.list({ technician_id: technician.id }, 100);

  // Scan: WeChat opens the elevator page with the plain-link QR code's URL in `q`.
  const scanned = open('elevator', { q: encodeURIComponent(`${ORIGIN}/e/${elevator.public_code}`) });
  await until(() => scanned.data.elevator, 'the scanned elevator');
  expect(scanned.data.elevator.id).toBe(elevator.id);
  await until(() => scanned.data.recentStatus !== 'loading', "the elevator's recent history");
  wx.getLocation.mockImplementation((opts) => opts.success({ latitude: 23.1325, longitude: 113.3321, accuracy: 15 }));
  await scanned.instance.locate();
  scanned.instance.pickCategory({ currentTarget: { dataset: { value: 'half_month' } } });
  await scanned.instance.start();
  expect(scanned.data.startError).toBe('');
  const draftUrl = lastNavigation(wx.navigateTo);
  expect(draftUrl).toMatch(/^\/pages\/record\/index\?draftId=\d+$/);
  const draftId = Number(draftUrl.split('=')[1]);

  // The record form.
  const form = open('record', { draftId: String(draftId) });
  await until(() => form.data.status === '' && form.data.groups.length, 'the draft items');
  await form.instance.checkIn();
  expect(form.data.siteError).toBe('');
  const items = form.instance.items.map((item) => item.code);
  expect(items.length).toBeGreaterThan(5);

  // The signal drops for the first two items: kept on the phone, shown as not yet on the server.
  bridge.signal = 'down';
  for (const code of items.slice(0, 2)) {
    form.instance.pickResult({ currentTarget: { dataset: { code, result: 'normal' } } });
  }
  await until(() => form.data.sync.waiting === 2, 'two saves queued on the phone');
  expect(form.data.sync.text).toContain('2 项尚未上传到服务器');
  bridge.signal = 'up';
  await form.instance.retryNow();
  expect(form.data.sync.waiting).toBe(0);
  expect(form.data.sync.text).toBe('已全部上传到服务器。');
  const saved = await records.getDraft(draftId);
  expect(saved.items.filter((item) => items.slice(0, 2).includes(item.code)).map((item) => item.result)).toEqual([
    'normal',
    'normal',
  ]);

  for (const code of items.slice(2)) {
    form.instance.pickResult({ currentTarget: { dataset: { code, result: 'normal' } } });
  }
  await until(() => outbox.pending(draftId).length === 0, 'the other results saved');
  await form.instance.checkOut();
  expect(form.data.siteError).toBe('');
  form.instance.onSigned({ detail: { base64: TECH_SIGNATURE } });

  // No photos on this job (the camera is another journey's, tests/records/test_photos.py and jest): the technician
  // states a reason for each required position, which the server keeps and flags.
  for (const position of form.instance.photoPositions) {
    form.instance.onPhotoReason({ currentTarget: { dataset: { code: position.code } }, detail: { value: '手机相机故障，未能拍照' } });
  }

  // The submission reaches the server but its answer is lost; the technician taps again when signal is back.
  bridge.signal = 'lost';
  await form.instance.submit();
  expect(form.data.submitted).toBeNull();
  expect(form.data.submitWaiting).toContain('尚未到达服务器');
  bridge.signal = 'up';
  await form.instance.submit();
  expect(form.data.submitError).toBe('');
  expect(form.data.submitted && form.data.submitted.id).toBeTruthy();
  const recordId = form.data.submitted.id;
  const submits = bridge.sent.filter((call) => call.method === 'POST' && call.path.endsWith(`/drafts/${draftId}/submit`));
  expect(submits.map((call) => call.signal)).toEqual(['lost', 'up']);

  // Exactly one new record.
  const after = await records.list({ technician_id: technician.id }, 100);
  const beforeIds = (before.items || []).map((r) => r.id);
  expect((after.items || []).filter((r) => !beforeIds.includes(r.id)).map((r) => r.id)).toEqual([recordId]);

  // The technician's supervisor sees it among today's jobs.
  as('supervisor');
  await auth.login();
  const team = open('team');
  await until(() => team.data.jobs.status !== 'loading', "the team's day");
  expect(team.data.jobs.rows.map((row) => row.id)).toContain(recordId);

  // The manager opens the reminder's link: log-in first, then straight to the record.
  as('manager1');
  open('login', { record_id: String(recordId) });
  await until(() => lastNavigation(wx.reLaunch) === `/pages/signoff/index?record_id=${recordId}`, 'the sign-off page');
  const home = open('home', {}, 'onShow');
  await until(() => home.data.pending.some((row) => row.id === recordId), 'the record in the pending list');
  expect(home.data.pending.find((row) => row.id === recordId).timeLeft).toMatch(/^还剩/);

  const review = open('signoff', { record_id: String(recordId) });
  await until(() => review.data.status === '' && review.data.record, 'the record to review');
  expect(review.data.stateName).toBe('pending');
  expect(review.data.canSign).toBe(true);
  expect(review.data.groups.length).toBeGreaterThan(0);
  await until(() => review.data.signatureSrc || review.data.signatureError, "the technician's signature");
  expect(review.data.signatureSrc).toMatch(/^data:image\/png;base64,iVBOR/);

  // A double tap on sign: one signature.
  await Promise.all([
    review.instance.onSigned({ detail: { base64: MANAGER_SIGNATURE } }),
    review.instance.onSigned({ detail: { base64: MANAGER_SIGNATURE } }),
  ]);
  expect(review.data.actionError).toBe('');
  await until(() => review.data.stateName === 'signed', 'the signed state');
  const signs = bridge.sent.filter((call) => call.method === 'POST' && call.path.endsWith(`/signoff/records/${recordId}/sign`));
  expect(signs).toHaveLength(1);
  expect((await signoff.record(recordId)).signoff.state).toBe('signed');

  // The technician sees it signed in their records.
  as('tech1');
  await auth.login();
  const mine = open('records', { mine: '1' });
  await until(() => mine.data.status === '' && mine.data.rows.length, 'the technician\'s records');
  expect(mine.data.rows.find((row) => row.id === recordId).stateLabel).toBe('已签名确认');
});
