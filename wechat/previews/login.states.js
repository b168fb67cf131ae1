// Preview states of pages/login/index: silent wx.login, then the one-time bind code for a new WeChat user.
const notBound = { statusCode: 401, data: { error: { code: 'wechat_not_bound', message: '该微信尚未绑定账号，请输入绑定码' } } };

module.exports = {
  session: null,
  root: true,
  states: {
    loading: { requests: { 'POST /auth/wechat/login': 'pending' } },
    // The bind form, nothing typed yet: the "empty" state of this page.
    empty: { requests: { 'POST /auth/wechat/login': notBound } },
    error: { requests: { 'POST /auth/wechat/login': { fail: 'request:fail timeout' } } },
    typical: {
      description: '绑定码已输入',
      requests: { 'POST /auth/wechat/login': notBound },
      act: ({ page }) => page.instance.setData({ bindCode: 'K7M2P9Q4' }),
    },
    long: {
      description: '绑定码错误的提示',
      requests: { 'POST /auth/wechat/login': notBound },
      act: ({ page }) => page.instance.setData({ bindCode: 'K7M2P9Q5', error: '绑定码无效或已过期，请向本单位系统管理员重新索取（绑定码 24 小时内有效，只能使用一次）' }),
    },
    password: {
      description: '使用单位管理员用账号密码登录（发放绑定码）',
      requests: { 'POST /auth/wechat/login': notBound },
      act: ({ page }) => {
        page.instance.usePassword();
        page.instance.onUsernameInput({ detail: { value: 'uu1-admin' } });
      },
    },
  },
};
