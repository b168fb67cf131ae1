// Entry: routing is pages/login's; here only WeChat's privacy-agreement handler (utils/privacy.js).
const privacy = require('./utils/privacy');

App({
  globalData: {},
  onLaunch() {
    privacy.install();
  },
});
