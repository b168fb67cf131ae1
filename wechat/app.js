// Entry: routing is pages/login's. Here WeChat's privacy-agreement handler (utils/privacy.js) and the
// weak-signal queue: when the phone is back online, or the mini-program comes back to the foreground, what
// waits on the phone (utils/outbox) is sent.
const privacy = require('./utils/privacy');
const outbox = require('./utils/outbox');

function sendWaiting() {
  if (outbox.pending().length) outbox.flush().catch(() => {});
}

App({
  globalData: {},

  onLaunch() {
    privacy.install();
    if (wx.onNetworkStatusChange) {
      wx.onNetworkStatusChange((res) => {
        if (res && res.isConnected) sendWaiting();
      });
    }
  },

  onShow() {
    sendWaiting();
  },
});
