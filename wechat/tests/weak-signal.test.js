// The record form without signal: kept on the phone as entered, queued, sent later with the original device
// times, and exactly one record however often the submission is retried.
const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');
const tokenStore = require('../utils/token-store');
const outbox = require('../utils/outbox');
const localDraft = require('../utils/local-draft');
const { createServer } = require('./fake-server');

const pageId = loadComponent('pages/record/index');

function draft() {
  return {
    id: 5,
    elevator_id: 9,
    category: 'half_month',
    status: 'open',
    record_id: null,
    check_in: null,
    check_out: null,
    remarks: '',
    replaced_parts: [],
    hazards: [],
    items: [
      { seq: 1, code: 'A-1-01', item: '机房、滑轮间环境', requirement: '清洁', added: false, result: null, note: null },
      { seq: 2, code: 'A-1-02', item: '手动紧急操作装置', requirement: '齐全', added: false, result: null, note: null },
    ],
  };
}

let server;

beforeEach(() => {
  Object.keys(wx.__storage).forEach((key) => delete wx.__storage[key]);
  tokenStore.save({ token: 't', expires_at: '2999-01-01T00:00:00+00:00', account: { id: 1, role: 'technician', name: '张工' } });
  server = createServer(wx, { draft: draft() });
  wx.getLocation.mockImplementation((opts) => opts.success({ latitude: 23.13, longitude: 113.26, accuracy: 10 }));
});

async function settle() {
  for (let i = 0; i < 10; i += 1) await simulate.sleep(0);
}

async function open() {
  const page = simulate.render(pageId);
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad({ draftId: '5' });
  await settle();
  return page;
}

async function pick(page, index, result) {
  page.querySelectorAll(`.result-${result}`)[index].dispatchEvent('tap');
  await settle();
}

async function fillEverything(page) {
  await page.instance.checkIn();
  await pick(page, 0, 'normal');
  await pick(page, 1, 'adjusted');
  await page.instance.checkOut();
  page.instance.onSigned({ detail: { base64: 'iVBORw0KGgo=' } });
  await settle();
}

test('without signal every entry is kept on the phone, and the screen says it has not reached the server', async () => {
  const page = await open();
  server.signal = 'down';
  await pick(page, 0, 'hazard');
  page.instance.onNoteInput({ currentTarget: { dataset: { code: 'A-1-01' } }, detail: { value: '钢丝绳断丝' } });
  page.instance.onNoteBlur({ currentTarget: { dataset: { code: 'A-1-01' } } });
  await settle();
  expect(localDraft.load(5).items[0]).toMatchObject({ result: 'hazard', note: '钢丝绳断丝' });
  expect(outbox.pending(5)).toHaveLength(1);
  expect(page.querySelector('.sync-text').dom.textContent).toContain('1 项尚未上传到服务器');
  expect(page.querySelector('.on-phone').dom.textContent).toBe('已保存在手机，待上传');
  expect(server.draft.items[0].result).toBeNull();

  server.signal = 'up';
  await page.instance.retryNow();
  await settle();
  expect(server.draft.items[0]).toMatchObject({ result: 'hazard', note: '钢丝绳断丝' });
  expect(page.querySelector('.sync-text').dom.textContent).toBe('已全部上传到服务器。');
  expect(outbox.pending(5)).toHaveLength(0);
});

test('a whole visit without signal is sent later in order, with its original device times, as one record', async () => {
  const page = await open();
  server.signal = 'down';
  jest.useFakeTimers({ now: new Date('2026-11-25T02:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'setTimeout'] });
  await page.instance.checkIn();
  jest.setSystemTime(new Date('2026-11-25T02:20:00Z'));
  await pick(page, 0, 'normal');
  await pick(page, 1, 'adjusted');
  await page.instance.checkOut();
  jest.setSystemTime(new Date('2026-11-25T02:40:00Z'));
  page.instance.onSigned({ detail: { base64: 'iVBORw0KGgo=' } });
  await page.instance.submit();
  await settle();
  expect(page.querySelector('.submit-waiting').dom.textContent).toContain('提交时间仍按 2026-11-25 10:40 记录');
  expect(page.data.submitted).toBeNull();
  expect(outbox.pending(5).map((entry) => entry.op)).toEqual(['checkIn', 'saveResults', 'saveResults', 'checkOut', 'submit']);

  // Later, with signal again (and a different clock): the queue goes out as it was made.
  jest.setSystemTime(new Date('2026-11-25T05:00:00Z'));
  server.signal = 'up';
  const sentBefore = server.calls.length;
  await page.instance.retryNow();
  await settle();
  jest.useRealTimers();
  const sent = server.calls.slice(sentBefore).filter((call) => call.method !== 'GET');
  expect(sent.map((call) => call.path)).toEqual([
    '/drafts/5/check-in',
    '/drafts/5/results',
    '/drafts/5/results',
    '/drafts/5/check-out',
    '/drafts/5/submit',
  ]);
  expect(sent[0].body.captured_at).toBe('2026-11-25T02:00:00.000Z');
  expect(sent[3].body.captured_at).toBe('2026-11-25T02:20:00.000Z');
  expect(sent[4].body.device_submitted_at).toBe('2026-11-25T02:40:00.000Z');
  expect(server.records).toHaveLength(1);
  expect(page.querySelector('.submitted').dom.textContent).toContain(`记录编号 ${server.records[0].id}`);
  expect(outbox.pending(5)).toHaveLength(0);
  expect(localDraft.load(5)).toBeNull();
});

test('a submission whose answer was lost is retried and still makes exactly one record', async () => {
  const page = await open();
  await fillEverything(page);
  server.signal = 'lost'; // the server records it; the phone hears nothing
  await page.instance.submit();
  await settle();
  expect(server.records).toHaveLength(1);
  expect(page.data.submitted).toBeNull();
  expect(page.querySelector('.submit-waiting')).toBeDefined();

  server.signal = 'up';
  await page.instance.submit(); // the technician taps again: the waiting submission is retried, not a new one
  await settle();
  const submits = server.calls.filter((call) => call.path === '/drafts/5/submit');
  expect(submits).toHaveLength(2);
  expect(submits[1].body.device_submitted_at).toBe(submits[0].body.device_submitted_at);
  expect(server.records).toHaveLength(1);
  expect(page.data.submitted.id).toBe(server.records[0].id);
});

test('once signed and waiting for signal, the form refuses changes: what was signed is what is sent', async () => {
  const page = await open();
  await fillEverything(page);
  server.signal = 'down';
  await page.instance.submit();
  await settle();
  await pick(page, 0, 'adjusted');
  expect(page.data.groups[0].items[0].error).toBe('未保存：已签名提交，正在等待网络上传，不能再修改');
  expect(outbox.pending(5).map((entry) => entry.op)).toEqual(['submit']);
});

test('a double tap on submit sends one submission', async () => {
  const page = await open();
  await fillEverything(page);
  const first = page.instance.submit();
  const second = page.instance.submit();
  await Promise.all([first, second]);
  await settle();
  expect(server.calls.filter((call) => call.path === '/drafts/5/submit')).toHaveLength(1);
  expect(server.records).toHaveLength(1);
});

test('the form survives closing the mini-program without signal: reopened offline, it shows what was entered', async () => {
  const page = await open();
  server.signal = 'down';
  await pick(page, 1, 'replaced');
  page.detach();

  const again = await open();
  expect(again.data.offline).toBe(true);
  expect(again.querySelector('.offline').dom.textContent).toContain('手机上保存的内容');
  expect(again.data.groups[0].items[1].result).toBe('replaced');
  expect(again.data.sync.waiting).toBe(1);
});

test('a phone clock far ahead is refused by the API, and the screen says to fix the clock', async () => {
  const page = await open();
  wx.request.mockImplementationOnce((opts) =>
    Promise.resolve().then(() =>
      opts.success({
        statusCode: 422,
        data: {
          error: {
            code: 'validation_failed',
            message: '设备时间晚于服务器时间过多，请校准手机时间',
            fields: { captured_at: '时间在未来' },
          },
        },
      }),
    ),
  );
  await page.instance.checkIn();
  await settle();
  expect(page.data.siteError).toContain('手机时间比北京时间快了太多');
  expect(page.data.checkInAt).toBe('');
  expect(outbox.pending(5)).toHaveLength(0); // a refusal is not retried
});

test('an expired log-in in the middle of the form goes to log in again and keeps what was entered', async () => {
  const page = await open();
  tokenStore.clear();
  tokenStore.save({ token: 'old', expires_at: '2999-01-01T00:00:00+00:00', account: { id: 1, role: 'technician' } });
  // The token is refused and WeChat's silent log-in finds no account bound any more.
  wx.request.mockImplementation((opts) =>
    Promise.resolve().then(() =>
      opts.url.endsWith('/auth/wechat/login')
        ? opts.success({ statusCode: 403, data: { error: { code: 'wechat_not_bound', message: '该微信尚未绑定账号' } } })
        : opts.success({ statusCode: 401, data: { error: { code: 'unauthenticated', message: '请先登录' } } }),
    ),
  );
  await pick(page, 0, 'normal');
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/index?draftId=5' });
  expect(outbox.pending(5)).toHaveLength(1);
  expect(localDraft.load(5).items[0].result).toBe('normal');
});
