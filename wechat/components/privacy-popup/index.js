// The privacy agreement sheet WeChat requires before location and the camera (utils/privacy.js opens it).
const privacy = require('../../utils/privacy');

Component({
  data: { show: false, contractName: '《用户隐私保护指引》' },

  lifetimes: {
    attached() {
      privacy.install();
      this.unregister = privacy.register(this);
    },
    detached() {
      if (this.unregister) this.unregister();
    },
  },

  methods: {
    openPrivacy() {
      this.setData({ show: true });
      if (typeof wx.getPrivacySetting === 'function') {
        wx.getPrivacySetting({
          success: (res) => res.privacyContractName && this.setData({ contractName: res.privacyContractName }),
        });
      }
    },

    closePrivacy() {
      this.setData({ show: false });
    },

    openContract() {
      wx.openPrivacyContract({ fail: () => wx.showToast({ title: '隐私保护指引打开失败，请稍后重试', icon: 'none' }) });
    },

    // bindagreeprivacyauthorization of the open-type="agreePrivacyAuthorization" button.
    onAgree() {
      privacy.answer('agree', 'privacy-agree');
    },

    onDisagree() {
      privacy.answer('disagree');
    },
  },
});
