// WeChat's user privacy agreement (用户隐私保护指引, app.json "__usePrivacyCheck__": true). Before a private
// interface (location, the camera) WeChat calls the onNeedPrivacyAuthorization handler and holds the call
// until it is answered; the handler opens the <privacy-popup> of the page on screen, whose agree button has
// open-type="agreePrivacyAuthorization". ensureAgreed() asks up front (wx.requirePrivacyAuthorize), so a
// page can explain a refusal instead of an interface failing on its own.
let installed = false;
let pending = null; // WeChat's resolve for the interface call it is holding
const popups = new Set();

function supported() {
  return typeof wx.onNeedPrivacyAuthorization === 'function' && typeof wx.requirePrivacyAuthorize === 'function';
}

function install() {
  if (installed || !supported()) return;
  installed = true;
  wx.onNeedPrivacyAuthorization((resolve) => {
    pending = resolve;
    if (popups.size === 0) {
      // No popup on this page: say no rather than hold WeChat's call for ever.
      answer('disagree');
      return;
    }
    popups.forEach((popup) => popup.openPrivacy());
  });
}

// A <privacy-popup> on screen registers itself while attached.
function register(popup) {
  popups.add(popup);
  return () => popups.delete(popup);
}

// From the popup: 'agree' (with the agree button's id, as WeChat requires) or 'disagree'.
function answer(event, buttonId) {
  const resolve = pending;
  pending = null;
  popups.forEach((popup) => popup.closePrivacy());
  if (resolve) resolve(event === 'agree' ? { event, buttonId } : { event });
}

// true once the user has agreed (now or before); false when they did not. Old base libraries without the
// privacy interfaces have nothing to agree to.
function ensureAgreed() {
  if (!supported() || typeof wx.getPrivacySetting !== 'function') return Promise.resolve(true);
  install();
  return new Promise((resolve) => {
    wx.getPrivacySetting({
      success: (res) => {
        if (!res.needAuthorization) {
          resolve(true);
          return;
        }
        wx.requirePrivacyAuthorize({ success: () => resolve(true), fail: () => resolve(false) });
      },
      fail: () => resolve(true), // the interface itself will ask if it must
    });
  });
}

// The privacy-refused failure of a private interface (errno 104) as opposed to a permission or signal problem.
function isPrivacyRefusal(res) {
  return Boolean(res) && (res.errno === 104 || /privacy/i.test(res.errMsg || ''));
}

const REFUSED_MESSAGE = '需要先同意《用户隐私保护指引》才能使用此功能，请再点一次并在弹窗中选择「同意」';

module.exports = { install, register, answer, ensureAgreed, isPrivacyRefusal, REFUSED_MESSAGE };
