// The privacy agreement (用户隐私保护指引) before location and the camera: WeChat's handler opens the page's
// popup; agreeing (the open-type="agreePrivacyAuthorization" button) lets the call through, refusing is said.
const fs = require('fs');
const path = require('path');
const { createWx } = require('./wx-mock');
const { ROOT } = require('./load-component');

// Each test: a fresh wx (WeChat keeps one handler per app) and fresh modules, as on a cold start.
let simulate;
let loadComponent;
beforeEach(() => {
  jest.resetModules();
  global.wx = createWx();
  wx.__privacy.needAuthorization = true;
  simulate = require('miniprogram-simulate');
  ({ loadComponent } = require('./load-component'));
});

function showPopup() {
  const popup = simulate.render(loadComponent('components/privacy-popup/index'));
  popup.attach(document.createElement('parent-wrapper'));
  return popup;
}

test('app.json turns the privacy check on and every page that locates or scans carries the popup', () => {
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));
  expect(app.__usePrivacyCheck__).toBe(true);
  for (const page of app.pages) {
    const js = fs.readFileSync(path.join(ROOT, `${page}.js`), 'utf8');
    if (!/utils\/(location|privacy)'/.test(js)) continue;
    const json = JSON.parse(fs.readFileSync(path.join(ROOT, `${page}.json`), 'utf8'));
    expect(json.usingComponents['privacy-popup']).toBe('../../components/privacy-popup/index');
    expect(fs.readFileSync(path.join(ROOT, `${page}.wxml`), 'utf8')).toContain('<privacy-popup');
  }
});

test('agreeing in the popup lets the waiting interface through', async () => {
  const privacy = require('../utils/privacy');
  const popup = showPopup();
  const asked = privacy.ensureAgreed();
  await simulate.sleep(0);
  expect(popup.querySelector('.privacy-sheet')).toBeDefined();
  expect(popup.dom.textContent).toContain('《电梯维保小程序隐私保护指引》');
  popup.instance.onAgree();
  await expect(asked).resolves.toBe(true);
  await simulate.sleep(0);
  expect(popup.querySelector('.privacy-sheet')).toBeUndefined();
  // Agreed once: no popup the next time.
  await expect(privacy.ensureAgreed()).resolves.toBe(true);
  expect(wx.requirePrivacyAuthorize).toHaveBeenCalledTimes(1);
});

test('the agree button is WeChat’s agreePrivacyAuthorization button with an id', () => {
  const wxml = fs.readFileSync(path.join(ROOT, 'components/privacy-popup/index.wxml'), 'utf8');
  expect(wxml).toMatch(/<button id="privacy-agree"[^>]*open-type="agreePrivacyAuthorization"[^>]*bindagreeprivacyauthorization="onAgree"/);
});

test('refusing closes the popup and the caller is told', async () => {
  const privacy = require('../utils/privacy');
  const popup = showPopup();
  const asked = privacy.ensureAgreed();
  await simulate.sleep(0);
  popup.instance.onDisagree();
  await expect(asked).resolves.toBe(false);
  await simulate.sleep(0);
  expect(popup.querySelector('.privacy-sheet')).toBeUndefined();
});

test('with no popup on the page WeChat’s call is answered "disagree", not held for ever', async () => {
  await expect(require('../utils/privacy').ensureAgreed()).resolves.toBe(false);
});

test('the privacy guide opens from the popup', () => {
  const popup = showPopup();
  popup.instance.openPrivacy();
  popup.instance.openContract();
  expect(wx.openPrivacyContract).toHaveBeenCalled();
});

test('a refused agreement means no location, and the page says why', async () => {
  const location = require('../utils/location');
  const popup = showPopup();
  const got = location.getLocation();
  await simulate.sleep(0);
  popup.instance.onDisagree();
  await expect(got).rejects.toMatchObject({ code: 'privacy_refused', message: expect.stringContaining('隐私保护指引') });
  expect(wx.getLocation).not.toHaveBeenCalled();
});

test('refusing on the scan page says why instead of opening the camera', async () => {
  const page = simulate.render(loadComponent('pages/scan/index'));
  page.attach(document.createElement('parent-wrapper'));
  const scanning = page.instance.scan();
  await simulate.sleep(0);
  require('../utils/privacy').answer('disagree');
  await scanning;
  expect(wx.scanCode).not.toHaveBeenCalled();
  expect(page.data.error).toContain('隐私保护指引');
});

test('the scan page asks for the agreement before opening the camera', async () => {
  const page = simulate.render(loadComponent('pages/scan/index'));
  page.attach(document.createElement('parent-wrapper'));
  const scanning = page.instance.scan();
  await simulate.sleep(0);
  expect(page.dom.textContent).toContain('用户隐私保护提示');
  expect(wx.scanCode).not.toHaveBeenCalled();
  require('../utils/privacy').answer('agree', 'privacy-agree');
  await scanning;
  expect(wx.scanCode).toHaveBeenCalled();
});

test('without the privacy interfaces (old base library) nothing is asked', async () => {
  const saved = wx.requirePrivacyAuthorize;
  delete wx.requirePrivacyAuthorize;
  try {
    await expect(require('../utils/privacy').ensureAgreed()).resolves.toBe(true);
  } finally {
    wx.requirePrivacyAuthorize = saved;
  }
});

test('the elevator page offers the settings page after a refusal and locates once allowed', async () => {
  wx.__privacy.needAuthorization = false;
  const { scriptRequests } = require('./wx-mock');
  scriptRequests(wx, [{ statusCode: 200, data: { id: 9, public_code: 'k7m2p9q4', address: '天河路 1 号', elevator_type: 'traction' } }]);
  const page = simulate.render(loadComponent('pages/elevator/index'));
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad({ code: 'k7m2p9q4' });
  await simulate.sleep(0);
  wx.getLocation.mockImplementationOnce((opts) => opts.fail({ errMsg: 'getLocation:fail auth deny' }));
  await page.instance.locate();
  expect(page.data.locationDenied).toBe(true);
  expect(page.dom.textContent).toContain('打开设置');
  wx.openSetting.mockImplementation((opts) => opts.success({ authSetting: { 'scope.userLocation': true } }));
  wx.getLocation.mockImplementation((opts) => opts.success({ latitude: 23.1, longitude: 113.2, accuracy: 10 }));
  await page.instance.openSettings();
  await simulate.sleep(0);
  expect(page.data.point).toMatchObject({ lat: 23.1, lng: 113.2 });
  expect(page.data.locationDenied).toBe(false);
});
