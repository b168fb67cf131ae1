// The record form as entered, kept on the phone (wx.setStorageSync) after every change, so nothing typed in a
// lift pit is lost to a dropped signal, a closed mini-program or a log-in that ran out mid-form.
// What is stored is the draft in the server's shape; `withPending` lays the writes still waiting in the
// outbox over whatever the server last answered.
const PREFIX = 'miniback.draft.';
// The ids of the drafts kept, so home can list them when the server cannot be reached.
const INDEX_KEY = 'miniback.drafts';

function ids() {
  const list = wx.getStorageSync(INDEX_KEY);
  return Array.isArray(list) ? list : [];
}

function key(draftId) {
  return PREFIX + draftId;
}

function load(draftId) {
  const saved = wx.getStorageSync(key(draftId));
  return saved && typeof saved === 'object' ? saved : null;
}

function save(draftId, draft) {
  wx.setStorageSync(key(draftId), Object.assign({}, draft, { saved_on_phone_at: new Date().toISOString() }));
  if (!ids().includes(draftId)) wx.setStorageSync(INDEX_KEY, ids().concat([draftId]));
}

function remove(draftId) {
  wx.removeStorageSync(key(draftId));
  wx.setStorageSync(INDEX_KEY, ids().filter((id) => id !== draftId));
}

// Every draft kept on the phone, newest first.
function list() {
  return ids()
    .map(load)
    .filter(Boolean)
    .reverse();
}

function pointOut(point) {
  return { at: point.captured_at, lat: point.lat, lng: point.lng, accuracy_m: point.accuracy_m, pending: true };
}

// The draft as the technician sees it: `draft` (from the server or the phone) with the waiting writes applied.
function withPending(draft, entries) {
  const out = Object.assign({}, draft, { items: (draft.items || []).map((item) => Object.assign({}, item)) });
  const pendingCodes = [];
  (entries || []).forEach((entry) => {
    const arg = (entry.args || [])[1];
    if (entry.op === 'saveResults') {
      (arg || []).forEach((row) => {
        const item = out.items.find((candidate) => candidate.code === row.code);
        if (item) {
          item.result = row.result;
          item.note = row.note;
          pendingCodes.push(row.code);
        }
      });
    } else if (entry.op === 'updateDraft') {
      Object.assign(out, arg);
    } else if (entry.op === 'checkIn') {
      out.check_in = pointOut(arg);
    } else if (entry.op === 'checkOut') {
      out.check_out = pointOut(arg);
    } else if (entry.op === 'submit') {
      out.submit_waiting = { device_submitted_at: entry.args[2] };
    }
  });
  out.pending_codes = pendingCodes;
  return out;
}

module.exports = { load, save, remove, list, withPending, PREFIX, INDEX_KEY };
