const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');
const tokenStore = require('../utils/token-store');

jest.mock('../services/signoff', () => ({
  pending: jest.fn(),
  requestSubscription: jest.fn(),
  explainWithoutReminder: jest.fn(),
  REMINDER_HINT: '不开启提醒也可以签名……逾期未签名的记录将由系统默认确认（并非本人签名）。',
}));

jest.mock('../services/records', () => ({
  CATEGORIES: [{ value: 'half_month', label: '半月维保' }],
  openDrafts: jest.fn(() => Promise.resolve([])),
}));

const signoff = require('../services/signoff');
const records = require('../services/records');

const pageId = loadComponent('pages/home/index');

function open() {
  const page = simulate.render(pageId);
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onShow();
  return page;
}

function loginAs(role) {
  tokenStore.save({ token: 't', expires_at: '2999-01-01T00:00:00+00:00', account: { id: 1, role, name: '测试' } });
}

beforeEach(() => tokenStore.clear());

test('without a session it goes to the log-in page', () => {
  open();
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/index' });
});

test('a technician gets the scan entry and no sign-off list', () => {
  loginAs('technician');
  const page = open();
  expect(page.querySelector('.go-scan')).toBeDefined();
  expect(signoff.pending).not.toHaveBeenCalled();
  page.instance.goScan();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/scan/index' });
});

test('a technician can resume an unsubmitted draft', async () => {
  loginAs('technician');
  records.openDrafts.mockResolvedValueOnce([
    { id: 5, category: 'half_month', created_at: '2026-11-25T01:00:00+00:00', check_in: { at: '2026-11-25T01:01:00+00:00' } },
  ]);
  const page = open();
  await simulate.sleep(0);
  expect(page.querySelectorAll('.draft-item')).toHaveLength(1);
  expect(page.dom.textContent).toContain('半月维保 · 2026-11-25 09:00');
  page.instance.openDraft({ currentTarget: { dataset: { id: 5 } } });
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/record/index?draftId=5' });
});

test('a manager sees the pending sign-offs and opens one', async () => {
  loginAs('uu_manager');
  signoff.pending.mockResolvedValue({
    items: [
      {
        record_id: 12,
        state: 'pending',
        maintenance_day: '2026-11-25',
        deadline_at: '2026-11-25T15:59:59+00:00',
        elevator: { id: 9, address: '天河路 1 号', position: '1 号客梯' },
      },
    ],
    total: 1,
  });
  const page = open();
  await simulate.sleep(0);
  expect(page.querySelectorAll('.pending-item')).toHaveLength(1);
  expect(page.dom.textContent).toContain('天河路 1 号 1 号客梯');
  expect(page.dom.textContent).toContain('截止：2026-11-25 23:59');
  page.instance.openRecord({ currentTarget: { dataset: { id: 12 } } });
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/signoff/index?record_id=12' });
});

test('a pending record whose reminder reached nobody says so in the list', async () => {
  loginAs('uu_manager');
  const row = (id, outcome, label) => ({
    record_id: id,
    state: 'pending',
    maintenance_day: '2026-11-25',
    deadline_at: '2026-11-25T15:59:59+00:00',
    elevator: { address: `天河路 ${id} 号` },
    push_outcome: outcome,
    push_outcome_label: label,
  });
  signoff.pending.mockResolvedValue({
    items: [row(1, 'delivered', '已推送提醒'), row(2, 'no_quota', '未推送：安全管理人员未开启提醒（订阅次数已用完）')],
    total: 2,
  });
  const page = open();
  await simulate.sleep(0);
  const problems = page.querySelectorAll('.push-problem').map((node) => node.dom.textContent);
  expect(problems).toEqual(['未推送：安全管理人员未开启提醒（订阅次数已用完）']);
});

test('a manager with nothing pending sees an empty state', async () => {
  loginAs('uu_manager');
  signoff.pending.mockResolvedValue({ items: [], total: 0 });
  const page = open();
  await simulate.sleep(0);
  expect(page.data.listStatus).toBe('empty');
  expect(page.data.listMessage).toBe('暂无待签名的维保记录');
});

test('a failed list load offers a retry', async () => {
  loginAs('uu_manager');
  signoff.pending.mockRejectedValueOnce(Object.assign(new Error('服务器暂时不可用（502），请稍后再试'), { status: 502 }));
  const page = open();
  await simulate.sleep(0);
  expect(page.data.listStatus).toBe('error');
  expect(page.data.listMessage).toBe('服务器暂时不可用（502），请稍后再试');
});

test('the reminder button reports the outcome', async () => {
  loginAs('uu_manager');
  signoff.pending.mockResolvedValue({ items: [], total: 0 });
  signoff.requestSubscription.mockResolvedValueOnce(['tplA']);
  const page = open();
  await page.instance.subscribe();
  expect(wx.showToast).toHaveBeenCalledWith({ title: '已开启提醒', icon: 'none' });
});

test('each pending record shows the time left, urgent ones marked', async () => {
  loginAs('uu_manager');
  const soon = new Date(Date.now() + 90 * 60000 + 30000).toISOString();
  const later = new Date(Date.now() + 26 * 3600000 + 30000).toISOString();
  signoff.pending.mockResolvedValue({
    items: [
      { record_id: 1, state: 'pending', maintenance_day: '2026-11-25', deadline_at: soon, elevator: { address: 'A' } },
      { record_id: 2, state: 'pending', maintenance_day: '2026-11-25', deadline_at: later, elevator: { address: 'B' } },
    ],
    total: 2,
  });
  const page = open();
  await simulate.sleep(0);
  const deadlines = page.querySelectorAll('.deadline');
  expect(deadlines[0].dom.textContent).toContain('还剩 1 小时 30 分');
  expect(deadlines[0].dom.className).toContain('error');
  expect(deadlines[1].dom.textContent).toContain('还剩 1 天 2 小时');
  expect(deadlines[1].dom.className).not.toContain('error');
});

test('declining the reminder says plainly what happens without it', async () => {
  loginAs('uu_manager');
  signoff.pending.mockResolvedValue({ items: [], total: 0 });
  signoff.requestSubscription.mockResolvedValueOnce([]);
  const page = open();
  expect(page.querySelector('.without-reminder').dom.textContent).toContain('将由系统默认确认');
  await page.instance.subscribe();
  expect(signoff.explainWithoutReminder).toHaveBeenCalledTimes(1);
  page.instance.openHistory();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/records/index' });
});

test("a supervisor's home leads to the team's day and records, not to a sign-off list", async () => {
  loginAs('mu_supervisor');
  const page = open();
  await simulate.sleep(0);
  expect(signoff.pending).not.toHaveBeenCalled();
  expect(records.openDrafts).not.toHaveBeenCalled();
  expect(page.querySelector('.open-team')).toBeDefined();
  page.instance.openTeam();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/team/index' });
});

test("the use unit admin's home leads to the bind codes", async () => {
  loginAs('uu_admin');
  const page = open();
  expect(page.querySelector('.open-bind-codes')).toBeDefined();
  expect(page.querySelector('.go-scan')).toBeUndefined();
  page.instance.openBindCodes();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/bind-codes/index' });
});
