const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');

jest.mock('../services/elevators', () => ({
  byPublicCode: jest.fn(),
  get: jest.fn(),
  confirmSite: jest.fn(() => Promise.resolve({})),
}));
jest.mock('../services/records', () => ({
  CATEGORIES: [
    { value: 'half_month', label: '半月维保' },
    { value: 'quarter', label: '季度维保' },
  ],
  startDraft: jest.fn(() => Promise.resolve({ id: 77 })),
}));

const elevators = require('../services/elevators');
const tokenStore = require('../utils/token-store');
const records = require('../services/records');

const pageId = loadComponent('pages/elevator/index');
const ELEVATOR = {
  id: 9,
  public_code: 'k7m2p9q4',
  device_code: '31104401002019120001',
  registration_code: null,
  elevator_type: 'traction',
  address: '广州市天河区天河路 1 号',
  position: null,
  rescue_code: '12345',
};

async function open(options) {
  const page = simulate.render(pageId);
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad(options);
  await simulate.sleep(0);
  return page;
}

beforeEach(() => {
  tokenStore.save({ token: 't', account: { id: 1, role: 'technician', name: '张师傅' } });
  elevators.byPublicCode.mockResolvedValue(ELEVATOR);
  wx.getLocation.mockImplementation((opts) => opts.success({ latitude: 23.13, longitude: 113.26, accuracy: 8 }));
});

test('shows the scanned elevator and asks to complete its missing position', async () => {
  const page = await open({ code: 'k7m2p9q4' });
  expect(elevators.byPublicCode).toHaveBeenCalledWith('k7m2p9q4');
  expect(page.dom.textContent).toContain('曳引与强制驱动电梯');
  expect(page.querySelector('.position-input')).toBeDefined();
  expect(page.querySelector('.rescue-input')).toBeUndefined();
});

test('opened from a plain-link QR code (options.q) it resolves the code too', async () => {
  await open({ q: encodeURIComponent('http://127.0.0.1:5000/e/k7m2p9q4') });
  expect(elevators.byPublicCode).toHaveBeenCalledWith('k7m2p9q4');
});

test('opened from the mini-program code (options.scene, URL-encoded) it resolves the public code', async () => {
  await open({ scene: encodeURIComponent('k7m2p9q4') });
  expect(elevators.byPublicCode).toHaveBeenCalledWith('k7m2p9q4');
});

test('a scene that is not a public code never reaches the server', async () => {
  const page = await open({ scene: encodeURIComponent('../../me') });
  expect(elevators.byPublicCode).not.toHaveBeenCalled();
  expect(page.data.status).toBe('error');
  expect(page.data.actionText).toBe('重新扫码');
});

test('scanned by a user not yet bound, it goes to log-in keeping the elevator code', async () => {
  tokenStore.clear();
  elevators.byPublicCode.mockRejectedValueOnce(
    Object.assign(new Error('该微信尚未绑定账号'), { status: 403, code: 'wechat_not_bound' }),
  );
  await open({ scene: encodeURIComponent('k7m2p9q4') });
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/index?code=k7m2p9q4' });
});

test('a foreign link never reaches the server', async () => {
  const page = await open({ q: encodeURIComponent('https://evil.example.com/e/k7m2p9q4') });
  expect(elevators.byPublicCode).not.toHaveBeenCalled();
  expect(page.data.status).toBe('error');
  expect(page.data.actionText).toBe('重新扫码');
});

test('an elevator of another unit shows the API message and a way back to scanning', async () => {
  elevators.byPublicCode.mockRejectedValueOnce(
    Object.assign(new Error('找不到该电梯，或该电梯不由本单位维保'), { status: 404, code: 'not_found' }),
  );
  const page = await open({ code: 'zzzz2222' });
  expect(page.data.message).toBe('找不到该电梯，或该电梯不由本单位维保');
  page.instance.onStateAction();
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/scan/index' });
});

test('a supervisor can look the elevator up but is told records are filled by technicians', async () => {
  tokenStore.save({ token: 't', account: { id: 2, role: 'mu_supervisor', name: '主管' } });
  const page = await open({ code: 'k7m2p9q4' });
  expect(page.querySelector('.not-technician')).toBeDefined();
  expect(page.querySelector('.start')).toBeUndefined();
});

test('starting needs a location and a category', async () => {
  const page = await open({ code: 'k7m2p9q4' });
  await page.instance.start();
  expect(page.data.startError).toBe('请先获取当前位置');
  await page.instance.locate();
  await page.instance.start();
  expect(page.data.startError).toBe('请选择维保类别');
  expect(elevators.confirmSite).not.toHaveBeenCalled();
});

test('confirming sends the GCJ-02 location with the completions, starts the draft and opens the form', async () => {
  const page = await open({ code: 'k7m2p9q4' });
  await page.instance.locate();
  page.instance.onCompletionInput({ currentTarget: { dataset: { field: 'position' } }, detail: { value: ' 1 号楼东侧客梯 ' } });
  page.instance.pickCategory({ currentTarget: { dataset: { value: 'quarter' } } });
  await page.instance.start();
  expect(wx.getLocation.mock.calls[0][0].type).toBe('gcj02');
  const [id, point, completions] = elevators.confirmSite.mock.calls[0];
  expect(id).toBe(9);
  expect(point).toMatchObject({ lat: 23.13, lng: 113.26, accuracy_m: 8, coord_system: 'gcj02' });
  expect(typeof point.captured_at).toBe('string');
  expect(completions).toEqual({ position: '1 号楼东侧客梯' });
  expect(records.startDraft).toHaveBeenCalledWith({ elevatorId: 9, category: 'quarter' });
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/record/index?draftId=77' });
});
