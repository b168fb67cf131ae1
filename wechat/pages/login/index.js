// Silent log-in with wx.login; first-time users bind with the one-time code their admin issued.
// It is the first page, so WeChat opens it for a code without a page: a scanned elevator (scene) or a
// reminder's record (record_id) is where the user goes after log-in, not home.
const config = require('../../config');
const auth = require('../../services/auth');
const nav = require('../../utils/navigation');
const { landingTarget } = require('../../utils/landing');
const privacy = require('../../utils/privacy');

// The console's bind-code QR holds the code itself (8 letters and digits); an elevator's QR (a URL) is not one.
const SCANNED_CODE = /^[A-Za-z0-9]{4,16}$/;

Component({
  data: { mode: 'loading', bindCode: '', username: '', password: '', error: '', busy: false },

  methods: {
    onLoad(options) {
      this.target = landingTarget(options, config.current().publicOrigins);
      this.start();
    },

    async start() {
      this.setData({ mode: 'loading', error: '' });
      try {
        const account = auth.hasSession() ? await auth.me() : await auth.login();
        this.enter(account);
      } catch (err) {
        if (err.code === 'wechat_not_bound') this.setData({ mode: 'bind', error: '' });
        else this.setData({ mode: 'error', error: err.message || '登录失败，请重试' });
      }
    },

    enter(account) {
      if (!auth.homeKind(account)) {
        this.setData({
          mode: 'unsupported',
          error: '该账号请使用网页端。小程序供维保人员、维保主管、使用单位安全管理人员和使用单位系统管理员使用。',
        });
        return;
      }
      if (this.target) nav.restart(this.target.route, this.target.params);
      else nav.restart('home');
    },

    // The admin's console shows the code as a QR as well: scanning it fills the code and binds at once.
    async scanBindCode() {
      if (!(await privacy.ensureAgreed())) {
        this.setData({ error: privacy.REFUSED_MESSAGE });
        return;
      }
      wx.scanCode({
        onlyFromCamera: true,
        scanType: ['qrCode'],
        success: (res) => {
          const text = ((res && res.result) || '').trim();
          if (!SCANNED_CODE.test(text)) {
            this.setData({ error: '这不是绑定码二维码，请扫描管理员在工作台上显示的绑定码' });
            return;
          }
          this.setData({ bindCode: text.toUpperCase(), error: '' });
          this.submitBind();
        },
        fail: (res) => {
          if (!/cancel/.test((res && res.errMsg) || '')) this.setData({ error: '扫码失败，请重试或手动输入绑定码' });
        },
      });
    },

    onBindCodeInput(e) {
      this.setData({ bindCode: e.detail.value, error: '' });
    },

    async submitBind() {
      if (this.data.busy) return;
      // Spaces, dashes and lower case are what people type; the code itself is 8 letters and digits.
      const code = auth.normaliseBindCode(this.data.bindCode);
      if (code.length < 4) {
        this.setData({ error: '请输入完整的绑定码' });
        return;
      }
      this.setData({ busy: true, error: '' });
      try {
        const account = await auth.bind(code);
        this.enter(account);
      } catch (err) {
        this.setData({ error: err.message || '绑定失败，请重试' });
      } finally {
        this.setData({ busy: false });
      }
    },

    // The use unit admin has no WeChat binding (admins never do): the console's user name and password.
    usePassword() {
      this.setData({ mode: 'password', error: '' });
    },

    useBindCode() {
      this.setData({ mode: 'bind', error: '' });
    },

    onUsernameInput(e) {
      this.setData({ username: e.detail.value, error: '' });
    },

    onPasswordInput(e) {
      this.setData({ password: e.detail.value, error: '' });
    },

    async submitPassword() {
      if (this.data.busy) return;
      if (!(this.data.username || '').trim() || !this.data.password) {
        this.setData({ error: '请输入用户名和密码' });
        return;
      }
      this.setData({ busy: true, error: '' });
      try {
        this.enter(await auth.passwordLogin(this.data.username, this.data.password));
      } catch (err) {
        this.setData({ error: err.message || '登录失败，请重试' });
      } finally {
        this.setData({ busy: false, password: '' });
      }
    },
  },
});
