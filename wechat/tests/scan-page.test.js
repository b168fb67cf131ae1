const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');

const pageId = loadComponent('pages/scan/index');

function open() {
  const page = simulate.render(pageId);
  page.attach(document.createElement('parent-wrapper'));
  return page;
}

test('scanning our QR code opens the elevator confirmation', async () => {
  wx.scanCode.mockImplementation((opts) => opts.success({ result: 'http://127.0.0.1:5000/e/k7m2p9q4' }));
  const page = open();
  page.querySelector('.scan').dispatchEvent('tap');
  await simulate.sleep(0);
  expect(wx.scanCode.mock.calls[0][0]).toMatchObject({ onlyFromCamera: true, scanType: ['qrCode'] });
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/elevator/index?code=k7m2p9q4' });
});

test('a foreign QR code is refused with a clear message', async () => {
  wx.scanCode.mockImplementation((opts) => opts.success({ result: 'https://shop.example.com/e/k7m2p9q4' }));
  const page = open();
  page.instance.scan();
  await simulate.sleep(0);
  expect(wx.navigateTo).not.toHaveBeenCalled();
  expect(page.querySelector('.scan-error').dom.textContent).toBe(
    '这不是本系统的电梯二维码（来自 shop.example.com），请扫描电梯内张贴的维保二维码',
  );
});

test('cancelling the scanner shows no error', async () => {
  wx.scanCode.mockImplementation((opts) => opts.fail({ errMsg: 'scanCode:fail cancel' }));
  const page = open();
  page.instance.scan();
  expect(page.data.error).toBe('');
});

test('a typed elevator code is checked, then opens the confirmation', () => {
  const page = open();
  page.instance.onManualInput({ detail: { value: 'k7-m2' } });
  page.instance.submitManual();
  expect(page.data.error).toBe('电梯编号为 4–32 位字母或数字');
  page.instance.onManualInput({ detail: { value: ' k7m2p9q4 ' } });
  page.instance.submitManual();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/elevator/index?code=k7m2p9q4' });
});
