// Weak signal (lift pits, machine rooms): draft writes that fail for network reasons wait here, on the phone,
// and are sent again later exactly as they were first made — the same arguments, so the same device times
// (captured_at, device_submitted_at). The queue lives in local storage and survives the mini-program being
// closed. Entries of one draft are sent in order; a later save of the same thing (key) replaces a waiting one.
// An entry names an operation of services/records (e.g. 'saveResults') and its arguments, so the endpoint
// paths stay in the services.
const records = require('../services/records');
const localDraft = require('./local-draft');

const OPERATIONS = ['saveResults', 'updateDraft', 'checkIn', 'checkOut', 'uploadPhoto', 'submit'];

const STORAGE_KEY = 'miniback.outbox';

// Worth trying again: no answer at all, or a gateway/server that is down for the moment. Anything else (a 422
// for a phone clock far off, a 409 …) is the server's answer and goes back to the caller.
function isTransient(err) {
  if (!err) return false;
  if (err.code === 'network_error') return true;
  return [502, 503, 504].includes(err.status);
}

// An expired log-in that could not be renewed silently: kept too, and sent once the user has logged in again.
function isLoginWait(err) {
  return Boolean(err) && (err.code === 'wechat_not_bound' || err.status === 401);
}

function read() {
  const list = wx.getStorageSync(STORAGE_KEY);
  return Array.isArray(list) ? list : [];
}

function write(list) {
  wx.setStorageSync(STORAGE_KEY, list);
}

let seq = 0;
function newId() {
  seq += 1;
  return `${Date.now()}-${seq}`;
}

// The entries waiting for a draft (all of them without draftId), oldest first.
function pending(draftId) {
  const list = read();
  return draftId === undefined ? list : list.filter((entry) => entry.draftId === draftId);
}

function remove(id) {
  write(read().filter((entry) => entry.id !== id));
}

function update(id, changes) {
  write(read().map((entry) => (entry.id === id ? Object.assign({}, entry, changes) : entry)));
}

function put(entry) {
  const list = read().filter((old) => !(entry.key && old.key === entry.key && old.draftId === entry.draftId));
  list.push(entry);
  write(list);
}

async function attempt(entry) {
  try {
    if (!OPERATIONS.includes(entry.op)) throw new Error(`unknown outbox operation ${entry.op}`);
    const data = await records[entry.op](...entry.args);
    remove(entry.id);
    if (entry.op === 'submit') {
      // The record exists: nothing of its draft needs keeping on the phone any more.
      clearDraft(entry.draftId);
      localDraft.remove(entry.draftId);
    }
    return { sent: true, data };
  } catch (err) {
    if (isTransient(err) || isLoginWait(err)) {
      update(entry.id, { attempts: (entry.attempts || 0) + 1, lastError: err.message, waitingForLogin: isLoginWait(err) });
      return { sent: false, queued: true, error: err };
    }
    remove(entry.id); // the server answered no: keeping it would only repeat the refusal
    throw err;
  }
}

// One operation at a time: a write is never sent twice at once, and the order of the queue is kept.
let chain = Promise.resolve();
function serially(task) {
  const run = chain.then(task, task);
  chain = run.catch(() => {});
  return run;
}

// Oldest first, stopping at the first entry that still cannot get through (and before `until`, if given).
async function drain(draftId, until) {
  const outcome = { sent: 0, refused: [], stuck: false, error: null, results: [] };
  for (const entry of pending(draftId)) {
    if (until && entry.id === until) break;
    let result;
    try {
      result = await attempt(entry);
    } catch (err) {
      outcome.refused.push({ entry, error: err });
      continue;
    }
    if (!result.sent) {
      outcome.stuck = true;
      outcome.error = result.error;
      break;
    }
    outcome.sent += 1;
    outcome.results.push({ entry, data: result.data });
  }
  return outcome;
}

// Send one write now, or keep it for later. It is saved on the phone first. Resolves {sent: true, data} or
// {sent: false, queued: true, error}; rejects with the server's refusal. Earlier entries of the same draft
// go first, so the server sees the order the technician worked in; if one is stuck, this one waits behind it.
// entry: {draftId, kind, key, op, args}
function send(entry) {
  const full = Object.assign({ id: newId(), createdAt: new Date().toISOString(), attempts: 0 }, entry);
  put(full);
  return serially(async () => {
    if (!pending(entry.draftId).some((e) => e.id === full.id)) {
      return { sent: false, replaced: true }; // a newer save of the same thing took its place
    }
    const before = await drain(entry.draftId, full.id);
    if (before.stuck) return { sent: false, queued: true, error: before.error };
    return attempt(full);
  });
}

// Try what is waiting again (one draft, or all). Refusals are dropped and listed in `refused`.
// Resolves {sent, refused, stuck, error, results}.
function flush(draftId) {
  return serially(() => drain(draftId));
}

function clearDraft(draftId) {
  write(read().filter((entry) => entry.draftId !== draftId));
}

module.exports = { STORAGE_KEY, send, flush, pending, clearDraft, isTransient, isLoginWait };
