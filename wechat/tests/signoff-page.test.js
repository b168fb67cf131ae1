const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');

jest.mock('../services/signoff', () => ({
  record: jest.fn(),
  sign: jest.fn(() => Promise.resolve({})),
  object: jest.fn(() => Promise.resolve({})),
  requestSubscription: jest.fn(() => Promise.resolve(['tpl-signoff'])),
}));

jest.mock('../services/records', () =>
  Object.assign({}, jest.requireActual('../services/records'), {
    signatureView: jest.fn(() => Promise.resolve({ signatureSrc: 'data:image/png;base64,iVBORw0KGgo=', signatureError: '' })),
  }),
);

const signoff = require('../services/signoff');
const records = require('../services/records');

const pageId = loadComponent('pages/signoff/index');

function record(signoffState) {
  return {
    id: 12,
    category: 'quarter',
    elevator: { address: '天河路 1 号', position: '1 号客梯' },
    technicians: [{ account_id: 4, name: '张师傅' }, { account_id: 5, name: '李师傅' }],
    contentAvailable: true,
    check_in_at: '2026-11-24T01:00:00+00:00',
    check_out_at: '2026-11-24T01:45:00+00:00',
    items: [
      { code: 'A-1-01', item: '机房、滑轮间环境', result: 'normal', note: null },
      { code: 'A-1-02', item: '手动紧急操作装置', result: 'hazard', note: '盘车轮缺失' },
    ],
    signoff: signoffState,
  };
}

async function open(data) {
  signoff.record.mockResolvedValue(data);
  const page = simulate.render(pageId);
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad({ record_id: '12' });
  await simulate.sleep(0);
  return page;
}

function text(page, selector) {
  const node = page.querySelector(selector);
  return node ? node.dom.textContent : null;
}

test('a default confirmation is shown as 默认确认, never as signed, and cannot be signed any more', async () => {
  const page = await open(
    record({ state: 'default_confirmed', decided_at: '2026-11-24T16:00:00+00:00' }),
  );
  expect(signoff.record).toHaveBeenCalledWith(12);
  expect(text(page, '.state-badge')).toBe('默认确认');
  expect(page.dom.textContent).not.toContain('已签名确认');
  expect(text(page, '.state-hint')).toBe('截止时间前未签名，系统已按规定默认确认（并非本人签名）');
  expect(text(page, '.default-at')).toContain('2026-11-25 00:00');
  expect(page.querySelector('.signed-at')).toBeUndefined();
  expect(page.querySelector('.sign-card')).toBeUndefined();
  expect(page.querySelector('.object-card')).toBeDefined();
});

test('a signed record shows the signing time and neither signature pad nor objection', async () => {
  const page = await open(record({ state: 'signed', decided_at: '2026-11-24T03:00:00+00:00' }));
  expect(text(page, '.state-badge')).toBe('已签名确认');
  expect(text(page, '.signed-at')).toContain('2026-11-24 11:00');
  expect(page.querySelector('.default-at')).toBeUndefined();
  expect(page.querySelector('.sign-card')).toBeUndefined();
  expect(page.querySelector('.object-card')).toBeUndefined();
});

test('a pending record offers the signature pad and its deadline', async () => {
  const page = await open(record({ state: 'pending', deadline_at: '2026-11-24T15:59:59+00:00' }));
  expect(text(page, '.state-badge')).toBe('待签名确认');
  expect(page.querySelector('.sign-card')).toBeDefined();
  expect(page.dom.textContent).toContain('2026-11-24 23:59');
  expect(page.dom.textContent).toContain('有隐患：盘车轮缺失');
  expect(page.dom.textContent).toContain('张师傅、李师傅');
});

test('signing uploads the signature image and reloads the state', async () => {
  const page = await open(record({ state: 'pending' }));
  signoff.record.mockResolvedValue(record({ state: 'signed', decided_at: '2026-11-24T03:00:00+00:00' }));
  await page.instance.onSigned({ detail: { base64: 'iVBORw0KGgo=' } });
  expect(signoff.sign).toHaveBeenCalledWith(12, 'iVBORw0KGgo=');
  expect(text(page, '.state-badge')).toBe('已签名确认');
});

test('signing after the deadline shows the refusal', async () => {
  signoff.sign.mockRejectedValueOnce(Object.assign(new Error('已过签名截止时间，记录已默认确认'), { status: 409 }));
  const page = await open(record({ state: 'pending' }));
  await page.instance.onSigned({ detail: { base64: 'iVBORw0KGgo=' } });
  expect(text(page, '.action-error')).toBe('已过签名截止时间，记录已默认确认');
});

test('an objection needs a reason', async () => {
  const page = await open(record({ state: 'pending' }));
  await page.instance.submitObjection();
  expect(signoff.object).not.toHaveBeenCalled();
  expect(text(page, '.action-error')).toBe('请填写异议原因');
});

test('an objection with a reason is sent and the new state shown', async () => {
  const page = await open(record({ state: 'default_confirmed' }));
  page.querySelector('.reason').dispatchEvent('input', { detail: { value: '  当天未见维保人员到场 ' } });
  await simulate.sleep(0);
  signoff.record.mockResolvedValue(record({ state: 'objected', objection_reason: '当天未见维保人员到场' }));
  await page.instance.submitObjection();
  expect(signoff.object).toHaveBeenCalledWith(12, '当天未见维保人员到场');
  expect(text(page, '.state-badge')).toBe('已提出异议');
  expect(page.querySelector('.object-card')).toBeUndefined();
});

test('without the record content the state is still shown and says why items are missing', async () => {
  const data = record({ state: 'pending' });
  data.items = [];
  data.contentAvailable = false;
  const page = await open(data);
  expect(text(page, '.state-badge')).toBe('待签名确认');
  expect(text(page, '.no-content')).toBe('维保项目明细暂时无法查看，可稍后重试或联系维保单位。');
});

test('a record the manager may not see shows the API message', async () => {
  signoff.record.mockRejectedValueOnce(Object.assign(new Error('找不到该维保记录'), { status: 404 }));
  const page = simulate.render(pageId);
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad({ record_id: '99' });
  await simulate.sleep(0);
  expect(page.data.status).toBe('error');
  expect(page.data.message).toBe('找不到该维保记录');
});

test('a reminder that reached nobody is shown with each manager and a warning', async () => {
  const data = record({ state: 'pending' });
  data.push = {
    outcome: 'no_quota',
    label: '未推送：安全管理人员未开启提醒（订阅次数已用完）',
    recipients: [
      { account_id: 3, name: '郑经理', outcome: 'no_quota', label: '未开启提醒（订阅次数已用完）' },
      { account_id: 4, name: '冯副经理', outcome: 'not_bound', label: '未绑定微信' },
    ],
  };
  const page = await open(data);
  expect(text(page, '.push-outcome')).toBe('未推送：安全管理人员未开启提醒（订阅次数已用完）');
  const rows = page.querySelectorAll('.push-recipient').map((node) => node.dom.textContent);
  expect(rows).toEqual(['郑经理未开启提醒（订阅次数已用完）', '冯副经理未绑定微信']);
  expect(page.dom.textContent).toContain('提醒未送达时，记录仍会在截止时间默认确认');
  expect(page.querySelector('.subscribe')).toBeDefined();
});

test('a delivered reminder carries no warning', async () => {
  const data = record({ state: 'pending' });
  data.push = { outcome: 'delivered', label: '已推送提醒', recipients: [] };
  const page = await open(data);
  expect(text(page, '.push-outcome')).toBe('已推送提醒');
  expect(page.dom.textContent).not.toContain('提醒未送达时');
});

test('after signing it offers the next reminder, asked for within the tap', async () => {
  const page = await open(record({ state: 'pending' }));
  expect(page.querySelector('.subscribe-after-sign')).toBeUndefined();
  signoff.record.mockResolvedValue(record({ state: 'signed', decided_at: '2026-11-24T03:00:00+00:00' }));
  await page.instance.onSigned({ detail: { base64: 'iVBORw0KGgo=' } });
  expect(signoff.requestSubscription).not.toHaveBeenCalled(); // WeChat refuses it outside a tap
  const tapped = page.instance.subscribe();
  expect(signoff.requestSubscription).toHaveBeenCalledTimes(1); // synchronously, inside the tap handler
  await tapped;
  expect(wx.showToast).toHaveBeenLastCalledWith({ title: '已开启提醒', icon: 'none' });
  expect(page.querySelector('.subscribe-after-sign')).toBeUndefined();
});

test('the next-reminder button is bound to the subscribe handler', async () => {
  const page = await open(record({ state: 'pending' }));
  signoff.record.mockResolvedValue(record({ state: 'signed', decided_at: '2026-11-24T03:00:00+00:00' }));
  await page.instance.onSigned({ detail: { base64: 'iVBORw0KGgo=' } });
  page.querySelector('.subscribe-again').dispatchEvent('tap');
  await simulate.sleep(0);
  expect(signoff.requestSubscription).toHaveBeenCalledTimes(1);
});

test('the manager reviews hazards first, beside the technician\'s signature image', async () => {
  const page = await open(record({ state: 'pending', deadline_at: '2999-01-01T00:00:00+00:00' }));
  await simulate.sleep(0);
  expect(page.data.groups.map((g) => g.label)).toEqual(['发现隐患的项目（1 项）', '半月维保项目']);
  expect(page.data.groups[0].items[0]).toMatchObject({ code: 'A-1-02', note: '盘车轮缺失' });
  expect(records.signatureView).toHaveBeenCalledWith(12, '维保人员签名暂时无法显示');
  expect(page.data.signatureSrc).toBe('data:image/png;base64,iVBORw0KGgo=');
  expect(page.querySelector('.signature')).toBeDefined();
});

test('the deadline shows the time left', async () => {
  const deadline = new Date(Date.now() + 45 * 60000 + 30000).toISOString();
  const page = await open(record({ state: 'pending', deadline_at: deadline }));
  expect(text(page, '.deadline')).toContain('还剩 45 分钟');
  expect(page.data.urgent).toBe(true);
});

test('a signature image that cannot load says so instead of an empty box', async () => {
  records.signatureView.mockResolvedValueOnce({ signatureSrc: '', signatureError: '维保人员签名暂时无法显示：网络异常，请检查网络后重试' });
  const page = await open(record({ state: 'signed', decided_at: '2026-11-24T03:00:00+00:00' }));
  await simulate.sleep(0);
  expect(text(page, '.signature-error')).toBe('维保人员签名暂时无法显示：网络异常，请检查网络后重试');
});

test('a double tap on sign signs once', async () => {
  let finish;
  signoff.sign.mockImplementationOnce(() => new Promise((resolve) => (finish = resolve)));
  const page = await open(record({ state: 'pending', deadline_at: '2999-01-01T00:00:00+00:00' }));
  const first = page.instance.onSigned({ detail: { base64: 'iVBORw0KGgo=' } });
  const second = page.instance.onSigned({ detail: { base64: 'iVBORw0KGgo=' } });
  finish({});
  await Promise.all([first, second]);
  expect(signoff.sign).toHaveBeenCalledTimes(1);
});
