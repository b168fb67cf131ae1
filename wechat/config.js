// Per-environment settings, nothing secret (the AppSecret never leaves the backend).
// envVersion comes from WeChat: develop (DevTools / 开发版), trial (体验版), release (正式版).
// Replace the trial/release hosts with the deployed ones; each must also be listed as a
// request domain (request 合法域名) in the mini-program's admin console.
const ENVIRONMENTS = {
  develop: {
    apiBaseUrl: 'http://127.0.0.1:5000/api/v1',
    // Origins whose /e/<public code> QR codes belong to this system (the backend's PUBLIC_BASE_URL).
    publicOrigins: ['http://127.0.0.1:5000', 'http://localhost:5000'],
    // The demo's WECHAT_SIGNOFF_TEMPLATE_ID (miniback/__init__.py, _demo_defaults): the local WeChat stub of
    // `make demo` accepts it and the backend refuses any other. tests/config.test.js keeps the two equal.
    subscribeTemplateIds: ['demo-signoff-template'],
    // Only against `make demo`, whose local WeChat stub reads the user from a code written "anything:user":
    // set e.g. 'tech1' or 'manager1' to log in as that demo account from DevTools. Empty = real codes.
    stubLoginUser: '',
  },
  trial: {
    apiBaseUrl: 'https://trial.miniback.example.cn/api/v1',
    publicOrigins: ['https://trial.miniback.example.cn'],
    // Same rule as release: the deployment's WECHAT_SIGNOFF_TEMPLATE_ID. Empty = the app says it is not set up.
    subscribeTemplateIds: [],
  },
  release: {
    apiBaseUrl: 'https://miniback.example.cn/api/v1',
    publicOrigins: ['https://miniback.example.cn'],
    // 订阅消息模板 ID (public identifiers, not secrets): 待签名确认提醒. Must equal the backend's
    // WECHAT_SIGNOFF_TEMPLATE_ID, which refuses unknown ids when the grants are reported.
    subscribeTemplateIds: [],
  },
};

function envVersion() {
  try {
    const info = wx.getAccountInfoSync();
    const version = info && info.miniProgram && info.miniProgram.envVersion;
    return ENVIRONMENTS[version] ? version : 'develop';
  } catch (err) {
    return 'develop';
  }
}

function current() {
  const name = envVersion();
  return Object.assign({ name }, ENVIRONMENTS[name]);
}

module.exports = { ENVIRONMENTS, envVersion, current };
