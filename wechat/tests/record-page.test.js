const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');

jest.mock('../services/records', () => ({
  CATEGORIES: [{ value: 'half_month', label: '半月维保' }],
  getDraft: jest.fn(),
  saveResults: jest.fn(() => Promise.resolve({})),
  addItem: jest.fn(() => Promise.resolve({})),
  updateDraft: jest.fn(() => Promise.resolve({})),
  checkIn: jest.fn(),
  checkOut: jest.fn(),
  submit: jest.fn(() => Promise.resolve({ id: 41 })),
  cancelDraft: jest.fn(() => Promise.resolve(undefined)),
  colleagues: jest.fn(() => Promise.resolve([])),
}));

jest.mock('../services/elevators', () => ({
  get: jest.fn(() => Promise.resolve({ id: 9, address: '天河路 1 号', position: '1 号客梯' })),
}));

const records = require('../services/records');
const elevators = require('../services/elevators');

// The phone's storage (local copy, outbox) starts empty for every test.
beforeEach(() => Object.keys(wx.__storage).forEach((key) => delete wx.__storage[key]));

const pageId = loadComponent('pages/record/index');

function draft(overrides) {
  return Object.assign(
    {
      id: 5,
      elevator_id: 9,
      category: 'half_month',
      status: 'open',
      record_id: null,
      check_in: { at: '2026-11-25T01:00:00+00:00', lat: '23.13', lng: '113.26', coord_system: 'gcj02' },
      check_out: { at: '2026-11-25T01:40:00+00:00', lat: '23.13', lng: '113.26', coord_system: 'gcj02' },
      remarks: '',
      items: [
        { seq: 1, code: 'A-1-01', item: '机房、滑轮间环境', requirement: '清洁', added: false, result: null, note: null, remark: null },
        { seq: 2, code: 'A-1-02', item: '手动紧急操作装置', requirement: '齐全', added: false, result: null, note: null, remark: null },
        { seq: 3, code: 'A-1-03', item: '驱动主机', requirement: '无异常', added: false, result: null, note: null, remark: null },
      ],
    },
    overrides,
  );
}

async function open(data) {
  records.getDraft.mockResolvedValue(data || draft());
  const page = simulate.render(pageId);
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad({ draftId: '5' });
  await simulate.sleep(0);
  return page;
}

function chip(page, code, result) {
  // Nested queries only work on custom components, so pick the n-th chip of that result on the page.
  const index = ['A-1-01', 'A-1-02', 'A-1-03'].indexOf(code);
  return page.querySelectorAll(`.result-${result}`)[index];
}

async function tap(node) {
  node.dispatchEvent('tap');
  await simulate.sleep(0);
}

async function signed(page) {
  page.instance.onSigned({ detail: { base64: 'iVBORw0KGgo=' } });
  await simulate.sleep(0);
}

test('shows the draft items grouped, with all five results each', async () => {
  const page = await open();
  expect(records.getDraft).toHaveBeenCalledWith(5);
  expect(elevators.get).toHaveBeenCalledWith(9);
  expect(page.data.elevatorLabel).toBe('天河路 1 号 1 号客梯');
  expect(page.data.groups.map((g) => g.label)).toEqual(['半月维保项目']);
  expect(page.querySelectorAll('.item')).toHaveLength(3);
  const labels = page.querySelectorAll('.chip').slice(0, 5).map((n) => n.dom.textContent);
  expect(page.querySelectorAll('.chip')).toHaveLength(15);
  expect(labels).toEqual(['正常', '调整', '更换', '不适用', '有隐患']);
});

test('choosing 正常 saves the item at once', async () => {
  const page = await open();
  await tap(chip(page, 'A-1-01', 'normal'));
  expect(records.saveResults).toHaveBeenCalledWith(5, [{ code: 'A-1-01', result: 'normal', note: null, remark: null }]);
});

test('不适用 without a reason is neither saved nor submitted', async () => {
  const page = await open();
  await tap(chip(page, 'A-1-01', 'normal'));
  await tap(chip(page, 'A-1-02', 'not_applicable'));
  await tap(chip(page, 'A-1-03', 'normal'));
  await signed(page);
  expect(records.saveResults).toHaveBeenCalledTimes(2);
  await page.instance.submit();
  await simulate.sleep(0);
  expect(records.submit).not.toHaveBeenCalled();
  expect(page.data.submitError).toBe('还有 1 个项目未完成');
  expect(page.querySelector('.item-error').dom.textContent).toBe('不适用时必须填写原因');
  expect(wx.pageScrollTo).toHaveBeenCalledWith({ selector: '#item-A-1-02', duration: 300 });
});

test('有隐患 without a description is blocked, and saved once described', async () => {
  const page = await open();
  await tap(chip(page, 'A-1-03', 'hazard'));
  const note = page.querySelector('.note');
  note.dispatchEvent('blur', { detail: { value: '' } });
  await simulate.sleep(0);
  expect(page.querySelector('.item-error').dom.textContent).toBe('有隐患时必须描述隐患');
  expect(records.saveResults).not.toHaveBeenCalled();
  note.dispatchEvent('input', { detail: { value: '曳引轮槽磨损严重' } });
  note.dispatchEvent('blur', { detail: { value: '曳引轮槽磨损严重' } });
  await simulate.sleep(0);
  expect(records.saveResults).toHaveBeenCalledWith(5, [
    { code: 'A-1-03', result: 'hazard', note: '曳引轮槽磨损严重', remark: null },
  ]);
  expect(page.querySelector('.item-error')).toBeUndefined();
});

test('all items are required before submit', async () => {
  const page = await open();
  await tap(chip(page, 'A-1-01', 'normal'));
  await signed(page);
  await page.instance.submit();
  expect(records.submit).not.toHaveBeenCalled();
  expect(page.data.submitError).toBe('还有 2 个项目未完成');
  expect(page.querySelectorAll('.item-error').map((n) => n.dom.textContent)).toEqual(['请选择结果', '请选择结果']);
});

test('submit needs check-out and the signature', async () => {
  const page = await open(draft({ check_out: null }));
  for (const code of ['A-1-01', 'A-1-02', 'A-1-03']) await tap(chip(page, code, 'normal'));
  await page.instance.submit();
  expect(records.submit).not.toHaveBeenCalled();
  expect(page.data.submitError).toBe('尚未签退；尚未签名');
});

test('a complete record is submitted with the signature and the success state offers the next step', async () => {
  const page = await open();
  await tap(chip(page, 'A-1-01', 'normal'));
  await tap(chip(page, 'A-1-02', 'replaced'));
  await tap(chip(page, 'A-1-03', 'adjusted'));
  await signed(page);
  await page.instance.submit();
  await simulate.sleep(0);
  // A draft without required photo positions (started before photos existed) sends no missing-photo reasons.
  expect(records.submit).toHaveBeenCalledWith(5, 'iVBORw0KGgo=', expect.stringMatching(/^\d{4}-\d\d-\d\dT/), []);
  expect(page.querySelector('.submitted').dom.textContent).toContain('记录编号 41');
});

test('a refused submission shows the API message', async () => {
  records.submit.mockRejectedValueOnce(Object.assign(new Error('签名图片必须是 PNG'), { code: 'validation_error' }));
  const page = await open();
  for (const code of ['A-1-01', 'A-1-02', 'A-1-03']) await tap(chip(page, code, 'normal'));
  await signed(page);
  await page.instance.submit();
  await simulate.sleep(0);
  expect(page.querySelector('.submit-error').dom.textContent).toBe('签名图片必须是 PNG');
});

test('check-in sends a GCJ-02 point and shows the time', async () => {
  wx.getLocation.mockImplementation((opts) => opts.success({ latitude: 23.1291234567, longitude: 113.2644, accuracy: 12.34 }));
  records.checkIn.mockResolvedValue(draft({ check_in: { at: '2026-11-25T02:05:00+00:00' }, check_out: null }));
  const page = await open(draft({ check_in: null, check_out: null }));
  await tap(page.querySelector('.check-in'));
  expect(wx.getLocation.mock.calls[0][0].type).toBe('gcj02');
  expect(records.checkIn).toHaveBeenCalledWith(
    5,
    expect.objectContaining({ lat: 23.129123, lng: 113.2644, accuracy_m: 12.3, coord_system: 'gcj02' }),
  );
  expect(page.querySelector('.check-in-at').dom.textContent).toBe('2026-11-25 10:05');
  expect(page.querySelector('.check-out')).toBeDefined();
});

test('a refused location permission says how to fix it', async () => {
  wx.getLocation.mockImplementation((opts) => opts.fail({ errMsg: 'getLocation:fail auth deny' }));
  const page = await open(draft({ check_in: null, check_out: null }));
  await tap(page.querySelector('.check-in'));
  expect(records.checkIn).not.toHaveBeenCalled();
  expect(page.data.siteError).toContain('需要位置权限才能现场签到');
  expect(page.data.siteError).toContain('打开设置');
  expect(page.data.locationDenied).toBe(true);
});

test('a draft that was already submitted shows its record instead of the form', async () => {
  const page = await open(draft({ status: 'submitted', record_id: 41 }));
  expect(page.querySelector('.submitted').dom.textContent).toContain('记录编号 41');
  expect(page.querySelector('.submit')).toBeUndefined();
});

test('own items are added and appear in their own group', async () => {
  const page = await open();
  await page.instance.addItem();
  expect(page.data.newItemError).toBe('请填写项目名称');
  expect(records.addItem).not.toHaveBeenCalled();
  page.instance.onNewItemInput({ currentTarget: { dataset: { field: 'item' } }, detail: { value: ' 业主反映轿厢异响 ' } });
  const withAdded = draft();
  withAdded.items = withAdded.items.concat([
    { seq: 4, code: 'X-01', item: '业主反映轿厢异响', requirement: '', added: true, result: null, note: null, remark: null },
  ]);
  records.getDraft.mockResolvedValue(withAdded);
  await page.instance.addItem();
  expect(records.addItem).toHaveBeenCalledWith(5, { item: '业主反映轿厢异响', requirement: '' });
  expect(page.data.groups.map((g) => g.label)).toEqual(['半月维保项目', '自行增加的项目']);
  expect(page.data.newItem).toEqual({ item: '', requirement: '' });
});

test('replaced parts and hazards are saved as whole lists', async () => {
  const page = await open();
  await page.instance.addPart();
  expect(page.data.listError).toBe('请填写配件名称');
  page.instance.onNewPartInput({ currentTarget: { dataset: { field: 'name' } }, detail: { value: '门刀' } });
  page.instance.onNewPartInput({ currentTarget: { dataset: { field: 'quantity' } }, detail: { value: '0' } });
  await page.instance.addPart();
  expect(page.data.listError).toBe('数量须为 1–1000 的整数');
  page.instance.onNewPartInput({ currentTarget: { dataset: { field: 'quantity' } }, detail: { value: '2' } });
  await page.instance.addPart();
  expect(records.updateDraft).toHaveBeenLastCalledWith(5, { replaced_parts: [{ name: '门刀', quantity: 2 }] });
  expect(page.data.replacedParts).toEqual([{ name: '门刀', quantity: 2 }]);
  page.instance.onNewHazardInput({ currentTarget: { dataset: { field: 'description' } }, detail: { value: '底坑积水' } });
  await page.instance.addHazard();
  expect(records.updateDraft).toHaveBeenLastCalledWith(5, { hazards: [{ description: '底坑积水' }] });
  await page.instance.removePart({ currentTarget: { dataset: { index: 0 } } });
  expect(records.updateDraft).toHaveBeenLastCalledWith(5, { replaced_parts: [] });
  expect(page.data.replacedParts).toEqual([]);
});

test('a refused list change keeps the shown list and shows the message', async () => {
  records.updateDraft.mockRejectedValueOnce(Object.assign(new Error('记录已提交，不能修改'), { status: 409 }));
  const page = await open();
  page.instance.onNewHazardInput({ currentTarget: { dataset: { field: 'description' } }, detail: { value: '底坑积水' } });
  await page.instance.addHazard();
  expect(page.data.hazards).toEqual([]);
  expect(page.data.listError).toBe('记录已提交，不能修改');
});

test('a draft that fails to load shows the error with a retry', async () => {
  records.getDraft.mockRejectedValueOnce(Object.assign(new Error('找不到该草稿'), { status: 404, code: 'not_found' }));
  const page = simulate.render(pageId);
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad({ draftId: '5' });
  await simulate.sleep(0);
  expect(page.data.status).toBe('error');
  expect(page.data.message).toBe('找不到该草稿');
});

function answerModal(confirm) {
  wx.showModal.mockImplementationOnce((opts) => opts.success({ confirm, cancel: !confirm }));
}

test('cancelling asks first and, once confirmed, deletes the draft and goes home', async () => {
  const page = await open();
  answerModal(true);
  await tap(page.querySelector('.cancel-draft'));
  await simulate.sleep(0);
  expect(wx.showModal).toHaveBeenCalledTimes(1);
  expect(wx.showModal.mock.calls[0][0].content).toContain('不能恢复');
  expect(records.cancelDraft).toHaveBeenCalledWith(5);
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' });
});

test('cancelling and then choosing to keep filling deletes nothing', async () => {
  const page = await open();
  answerModal(false);
  await tap(page.querySelector('.cancel-draft'));
  expect(wx.showModal).toHaveBeenCalledTimes(1);
  expect(records.cancelDraft).not.toHaveBeenCalled();
  expect(wx.reLaunch).not.toHaveBeenCalled();
});

test('a refused cancel (already submitted) stays on the page with the message', async () => {
  records.cancelDraft.mockRejectedValueOnce(
    Object.assign(new Error('该维保记录已提交，不能删除'), { status: 409, code: 'already_submitted' }),
  );
  const page = await open();
  answerModal(true);
  await page.instance.cancelDraft();
  expect(page.data.submitError).toBe('该维保记录已提交，不能删除');
  expect(wx.reLaunch).not.toHaveBeenCalled();
});
