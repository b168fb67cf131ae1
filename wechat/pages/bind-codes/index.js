// The use unit admin, in WeChat: issue a safety manager's one-time bind code and read it out or send it.
// The manager types it on the log-in page (spaces and lower case are fine); an earlier unused code stops working.
const staff = require('../../services/staff');
const nav = require('../../utils/navigation');

// Read aloud in two groups of four: "ABCD EFGH".
function spaced(code) {
  return String(code || '').replace(/(.{4})(?=.)/g, '$1 ');
}

function minutes(seconds) {
  return Math.max(1, Math.round((seconds || 0) / 60));
}

Component({
  data: {
    status: 'loading',
    message: '',
    managers: [],
    issuing: 0,
    issued: null,
    error: '',
    consentNeeded: false,
  },

  methods: {
    onLoad() {
      this.load();
    },

    async load() {
      this.setData({ status: 'loading', message: '正在加载安全管理人员…' });
      try {
        const managers = (await staff.managers()).map((m) => ({
          id: m.id,
          name: m.name,
          mobile: m.mobile || '',
          bound: Boolean(m.wechat_bound),
        }));
        this.setData({
          managers,
          status: managers.length ? '' : 'empty',
          message: managers.length ? '' : '本单位还没有安全管理人员，请先在网页工作台添加',
        });
      } catch (err) {
        if (nav.isLoginProblem(err)) nav.restart('login');
        else this.setData({ status: 'error', message: err.message });
      }
    },

    async issue(e) {
      const id = Number(e.currentTarget.dataset.id);
      if (this.data.issuing) return; // a double tap issues one code (a second would void the first)
      const manager = this.data.managers.find((m) => m.id === id);
      this.setData({ issuing: id, error: '' });
      try {
        const answer = await staff.issueBindCode(id);
        this.setData({
          issued: {
            name: manager ? manager.name : '',
            code: answer.bind_code,
            spaced: spaced(answer.bind_code),
            minutes: minutes(answer.expires_in_seconds),
          },
        });
      } catch (err) {
        // The unit has not agreed to the default-confirmation rules yet: offer the page to do so.
        this.setData({ error: err.message, consentNeeded: err.code === 'consent_required' });
      } finally {
        this.setData({ issuing: 0 });
      }
    },

    openConsent() {
      nav.go('consent');
    },

    copyCode() {
      if (!this.data.issued) return;
      wx.setClipboardData({
        data: this.data.issued.code,
        success: () => wx.showToast({ title: '绑定码已复制', icon: 'none' }),
      });
    },

    closeCode() {
      this.setData({ issued: null });
      return this.load();
    },
  },
});
