// A minimal in-memory `wx`: storage works, everything else is a jest.fn() a test can script.
function createWx() {
  const storage = {};
  return {
    __storage: storage,
    getStorageSync: jest.fn((key) => (key in storage ? storage[key] : '')),
    setStorageSync: jest.fn((key, value) => {
      storage[key] = value;
    }),
    removeStorageSync: jest.fn((key) => {
      delete storage[key];
    }),
    getAccountInfoSync: jest.fn(() => ({ miniProgram: { envVersion: 'develop' } })),
    getWindowInfo: jest.fn(() => ({ pixelRatio: 2 })),
    request: jest.fn(),
    login: jest.fn((opts) => opts.success({ code: 'wx-code-1' })),
    showToast: jest.fn(),
    showModal: jest.fn((opts) => opts.success && opts.success({ confirm: true, cancel: false })),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    navigateTo: jest.fn(),
    redirectTo: jest.fn(),
    reLaunch: jest.fn(),
    navigateBack: jest.fn(),
    pageScrollTo: jest.fn(),
    stopPullDownRefresh: jest.fn(),
    scanCode: jest.fn(),
    getLocation: jest.fn(),
    openSetting: jest.fn(),
    requestSubscribeMessage: jest.fn(),
    canvasToTempFilePath: jest.fn(),
    arrayBufferToBase64: jest.fn(() => 'iVBORw0KGgo='),
    setClipboardData: jest.fn((opts) => opts && opts.success && opts.success({})),
    onNetworkStatusChange: jest.fn(),
    getFileSystemManager: jest.fn(() => ({ readFile: jest.fn() })),
    createSelectorQuery: jest.fn(() => {
      const query = {
        in: () => query,
        select: () => query,
        fields: () => query,
        exec: (cb) => cb([null]),
      };
      return query;
    }),
  };
}

// Script wx.request with a queue of responses: {statusCode, data} objects or {fail: 'errMsg'}.
function scriptRequests(wxMock, responses) {
  const queue = responses.slice();
  wxMock.request.mockImplementation((opts) => {
    const next = queue.shift();
    if (!next) throw new Error(`unexpected wx.request ${opts.method} ${opts.url}`);
    Promise.resolve().then(() => (next.fail ? opts.fail({ errMsg: next.fail }) : opts.success(next)));
  });
}

module.exports = { createWx, scriptRequests };
