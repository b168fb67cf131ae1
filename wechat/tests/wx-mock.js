// A minimal in-memory `wx`: storage works, everything else is a jest.fn() a test can script.
// Privacy (用户隐私保护指引): agreed unless a test sets wx.__privacy.needAuthorization = true. Then
// requirePrivacyAuthorize, like WeChat, calls the onNeedPrivacyAuthorization handler and succeeds only
// when it is answered {event: 'agree', buttonId}.
function createWx() {
  const storage = {};
  const privacy = { needAuthorization: false, handler: null, contractName: '《电梯维保小程序隐私保护指引》' };
  return {
    __storage: storage,
    __privacy: privacy,
    onNeedPrivacyAuthorization: jest.fn((handler) => {
      privacy.handler = handler;
    }),
    getPrivacySetting: jest.fn((opts) =>
      opts.success({ needAuthorization: privacy.needAuthorization, privacyContractName: privacy.contractName }),
    ),
    requirePrivacyAuthorize: jest.fn((opts) => {
      if (!privacy.needAuthorization) return opts.success({});
      if (!privacy.handler) return opts.fail({ errMsg: 'requirePrivacyAuthorize:fail privacy permission is not authorized', errno: 104 });
      privacy.handler((answer) => {
        if (answer && answer.event === 'agree' && answer.buttonId) {
          privacy.needAuthorization = false;
          opts.success({});
        } else {
          opts.fail({ errMsg: 'requirePrivacyAuthorize:fail privacy permission is not authorized', errno: 104 });
        }
      });
    }),
    openPrivacyContract: jest.fn((opts) => opts && opts.success && opts.success({})),
    getSetting: jest.fn((opts) => opts.success({ authSetting: {} })),
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

// Answer wx.request by route: {'GET /records': {statusCode, data} | (opts, query) => response}. Unknown routes
// fail the test loudly. Returns the list of calls made ({method, path, query, data}).
function routeRequests(wxMock, routes) {
  const calls = [];
  wxMock.request.mockImplementation((opts) => {
    const path = opts.url.replace(/^https?:\/\/[^/]+\/api\/v1/, '');
    const key = `${opts.method} ${path}`;
    const query = opts.method === 'GET' ? opts.data || {} : {};
    calls.push({ method: opts.method, path, query, data: opts.data });
    const handler = routes[key];
    if (!handler) throw new Error(`unexpected wx.request ${key}`);
    const response = typeof handler === 'function' ? handler(opts, query) : handler;
    Promise.resolve().then(() => (response.fail ? opts.fail({ errMsg: response.fail }) : opts.success(response)));
  });
  return calls;
}

module.exports = { createWx, scriptRequests, routeRequests };
