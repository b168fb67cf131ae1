// Location fixes always in GCJ-02 (what WeChat maps use) and always labelled with their coordinate system.
// Every way it can go wrong is said to the person: the privacy agreement not accepted, the permission
// refused (explained, then WeChat's settings page to allow it again), the phone's location switched off,
// no fix in a lift pit or machine room, and a fix too rough to place them at the elevator.
const { ApiError } = require('./api-error');
const privacy = require('./privacy');

// Coarser than this (metres) and the fix may not be at the elevator: say so, offer another try.
const ROUGH_ACCURACY_M = 100;
const SCOPE = 'scope.userLocation';

function failure(code, message) {
  return new ApiError({ status: 0, code, message });
}

const MESSAGES = {
  location_denied: '需要位置权限才能现场签到：请点「打开设置」，在「位置信息」中选择「仅在使用小程序期间」',
  location_off: '手机的定位服务已关闭：请在手机系统设置中打开定位，并允许微信使用位置信息，然后重试',
  location_failed: '没有获取到位置（井道、机房内信号弱时常见）：请到门厅或窗边、打开 Wi-Fi 后重试',
};

function classify(res) {
  const text = (res && res.errMsg) || '';
  if (privacy.isPrivacyRefusal(res)) return failure('privacy_refused', privacy.REFUSED_MESSAGE);
  if (/system permission denied|locationswitchoff|location service|ERROR_NOCELL/i.test(text)) return failure('location_off', MESSAGES.location_off);
  if (/auth (deny|denied)|authorize|permission/i.test(text)) return failure('location_denied', MESSAGES.location_denied);
  return failure('location_failed', MESSAGES.location_failed);
}

// The location permission as WeChat has it: true (allowed), false (refused before: WeChat will not ask
// again, only its settings page can allow it), undefined (never asked).
function permission() {
  return new Promise((resolve) => {
    if (typeof wx.getSetting !== 'function') {
      resolve(undefined);
      return;
    }
    wx.getSetting({ success: (res) => resolve((res.authSetting || {})[SCOPE]), fail: () => resolve(undefined) });
  });
}

function modal(options) {
  return new Promise((resolve) => wx.showModal(Object.assign({}, options, { success: (res) => resolve(Boolean(res && res.confirm)), fail: () => resolve(false) })));
}

// WeChat's settings page; resolves whether location is allowed when the person comes back.
function openLocationSettings() {
  return new Promise((resolve) => {
    wx.openSetting({
      success: (res) => resolve(Boolean((res.authSetting || {})[SCOPE])),
      fail: () => resolve(false),
    });
  });
}

function fix() {
  return new Promise((resolve, reject) => {
    wx.getLocation({
      type: 'gcj02',
      isHighAccuracy: true,
      highAccuracyExpireTime: 4000,
      success: (res) =>
        resolve({
          lat: Number(res.latitude.toFixed(6)),
          lng: Number(res.longitude.toFixed(6)),
          accuracy_m: typeof res.accuracy === 'number' ? Math.round(res.accuracy * 10) / 10 : null,
          coord_system: 'gcj02',
          captured_at: new Date().toISOString(),
        }),
      fail: (res) => reject(classify(res)),
    });
  });
}

// One fix the person accepts. A rough one is explained, with the choice of trying again.
async function getLocation() {
  if (!(await privacy.ensureAgreed())) throw failure('privacy_refused', privacy.REFUSED_MESSAGE);
  if ((await permission()) === false) {
    const go = await modal({
      title: '需要位置权限',
      content: '现场签到和核对电梯位置要用到您的位置。您之前没有允许，请在设置中打开「位置信息」。',
      confirmText: '去设置',
      cancelText: '暂不',
    });
    if (!go || !(await openLocationSettings())) throw failure('location_denied', MESSAGES.location_denied);
  }
  for (;;) {
    const point = await fix();
    if (point.accuracy_m === null || point.accuracy_m <= ROUGH_ACCURACY_M) return point;
    const again = await modal({
      title: '定位不够准确',
      content: `本次定位误差约 ${Math.round(point.accuracy_m)} 米，可能不在电梯旁（井道、机房内常见）。到门厅或窗边、打开 Wi-Fi 后重新定位更准确。`,
      confirmText: '重新定位',
      cancelText: '仍然使用',
    });
    if (!again) return point;
  }
}

module.exports = { getLocation, openLocationSettings, ROUGH_ACCURACY_M };
