// Location: refused → explained, then WeChat's settings page; failures and rough fixes are said, not ignored.
const location = require('../utils/location');

const FIX = { latitude: 23.1291234, longitude: 113.2644, accuracy: 12.34 };

function permissionIs(value) {
  wx.getSetting.mockImplementation((opts) => opts.success({ authSetting: value === undefined ? {} : { 'scope.userLocation': value } }));
}

function modalAnswers(...confirms) {
  const queue = confirms.slice();
  wx.showModal.mockImplementation((opts) => opts.success({ confirm: queue.shift(), cancel: false }));
}

test('a first fix in GCJ-02, rounded, with its accuracy', async () => {
  permissionIs(undefined);
  wx.getLocation.mockImplementation((opts) => opts.success(FIX));
  await expect(location.getLocation()).resolves.toMatchObject({ lat: 23.129123, lng: 113.2644, accuracy_m: 12.3, coord_system: 'gcj02' });
  expect(wx.getLocation.mock.calls[0][0]).toMatchObject({ type: 'gcj02', isHighAccuracy: true });
  expect(wx.showModal).not.toHaveBeenCalled();
});

test('refusing WeChat’s prompt is explained with the way to allow it', async () => {
  permissionIs(undefined);
  wx.getLocation.mockImplementation((opts) => opts.fail({ errMsg: 'getLocation:fail auth deny' }));
  await expect(location.getLocation()).rejects.toMatchObject({ code: 'location_denied', message: expect.stringContaining('打开设置') });
});

test('refused before: explained, then WeChat’s settings page, then the fix once allowed', async () => {
  permissionIs(false);
  modalAnswers(true);
  wx.openSetting.mockImplementation((opts) => opts.success({ authSetting: { 'scope.userLocation': true } }));
  wx.getLocation.mockImplementation((opts) => opts.success(FIX));
  await expect(location.getLocation()).resolves.toMatchObject({ lat: 23.129123 });
  expect(wx.showModal.mock.calls[0][0]).toMatchObject({ title: '需要位置权限', confirmText: '去设置' });
  expect(wx.openSetting).toHaveBeenCalled();
});

test('refused before and still not allowed in settings: no location, and the page is told why', async () => {
  permissionIs(false);
  modalAnswers(true);
  wx.openSetting.mockImplementation((opts) => opts.success({ authSetting: { 'scope.userLocation': false } }));
  await expect(location.getLocation()).rejects.toMatchObject({ code: 'location_denied' });
  expect(wx.getLocation).not.toHaveBeenCalled();
});

test('refused before and “not now”: settings are not opened', async () => {
  permissionIs(false);
  modalAnswers(false);
  await expect(location.getLocation()).rejects.toMatchObject({ code: 'location_denied' });
  expect(wx.openSetting).not.toHaveBeenCalled();
});

test('the settings button reports whether location is now allowed', async () => {
  wx.openSetting.mockImplementationOnce((opts) => opts.success({ authSetting: { 'scope.userLocation': true } }));
  await expect(location.openLocationSettings()).resolves.toBe(true);
  wx.openSetting.mockImplementationOnce((opts) => opts.success({ authSetting: {} }));
  await expect(location.openLocationSettings()).resolves.toBe(false);
});

test('the phone’s location switched off is told apart from a refused permission', async () => {
  permissionIs(true);
  wx.getLocation.mockImplementation((opts) => opts.fail({ errMsg: 'getLocation:fail system permission denied' }));
  await expect(location.getLocation()).rejects.toMatchObject({ code: 'location_off', message: expect.stringContaining('系统设置') });
});

test('no fix in a lift pit is explained with what to do', async () => {
  permissionIs(true);
  wx.getLocation.mockImplementation((opts) => opts.fail({ errMsg: 'getLocation:fail timeout' }));
  await expect(location.getLocation()).rejects.toMatchObject({ code: 'location_failed', message: expect.stringContaining('信号弱') });
});

test('a rough fix is explained; trying again gives the better one', async () => {
  permissionIs(true);
  wx.getLocation
    .mockImplementationOnce((opts) => opts.success(Object.assign({}, FIX, { accuracy: 850 })))
    .mockImplementationOnce((opts) => opts.success(FIX));
  modalAnswers(true);
  await expect(location.getLocation()).resolves.toMatchObject({ accuracy_m: 12.3 });
  expect(wx.showModal.mock.calls[0][0]).toMatchObject({ title: '定位不够准确', confirmText: '重新定位', cancelText: '仍然使用' });
  expect(wx.showModal.mock.calls[0][0].content).toContain('850 米');
});

test('a rough fix may still be used, knowingly', async () => {
  permissionIs(true);
  wx.getLocation.mockImplementation((opts) => opts.success(Object.assign({}, FIX, { accuracy: 300 })));
  modalAnswers(false);
  await expect(location.getLocation()).resolves.toMatchObject({ accuracy_m: 300 });
  expect(wx.getLocation).toHaveBeenCalledTimes(1);
});
