// Where a user opened from outside wants to go once logged in: the elevator of a scanned code (options.scene
// from the mini-program code, options.q from a plain-link QR code, options.code handed on by a page) or the
// record of a sign-off reminder (options.record_id), or the draft being filled in when the log-in ran out
// (options.draftId). null: the role's home page.
const { publicCodeFromLaunch } = require('./scan-code');

function landingTarget(options, allowedOrigins) {
  const opts = options || {};
  // A form whose log-in ran out (pages/record keeps it on the phone): back to it.
  if (opts.draftId) return { route: 'record', params: { draftId: String(opts.draftId) } };
  if (opts.record_id) return { route: 'signoff', params: { record_id: String(opts.record_id) } };
  if (opts.scene || opts.q || opts.code) {
    const launch = publicCodeFromLaunch(opts, allowedOrigins);
    // An unreadable code still goes to the elevator page, which asks to scan again.
    return { route: 'elevator', params: launch.ok ? { code: launch.publicCode } : {} };
  }
  return null;
}

module.exports = { landingTarget };
