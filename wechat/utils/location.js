// Location fixes always in GCJ-02 (what WeChat maps use) and always labelled with their coordinate system.
const { ApiError } = require('./api-error');

function getLocation() {
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
      fail: (res) => {
        const denied = /auth|deny|denied/i.test((res && res.errMsg) || '');
        reject(
          new ApiError({
            status: 0,
            code: denied ? 'location_denied' : 'location_failed',
            message: denied ? '需要位置权限才能现场签到，请在设置中允许使用位置信息' : '定位失败，请到信号较好的位置后重试',
          }),
        );
      },
    });
  });
}

function openLocationSettings() {
  wx.openSetting({});
}

module.exports = { getLocation, openLocationSettings };
