// A small in-memory stand-in for the draft and submission API behind a scripted wx.request, for the weak-signal
// tests: the signal can be cut (no answer), or lost on the way back (the server did the work, the phone never
// heard). Submission is idempotent as in the real API: a second submit of a draft answers the same record (200).
function createServer(wxMock, { draft }) {
  const state = {
    draft: JSON.parse(JSON.stringify(draft)),
    records: [],
    calls: [],
    signal: 'up', // 'up' | 'down' (nothing reaches the server) | 'lost' (it arrives, the answer does not)
  };

  function route(method, path, body) {
    const id = state.draft.id;
    if (method === 'GET' && path === `/drafts/${id}`) return [200, state.draft];
    if (method === 'GET' && path === `/elevators/${state.draft.elevator_id}`) {
      return [200, { id: state.draft.elevator_id, address: '天河路 1 号', position: '1 号客梯' }];
    }
    if (method === 'GET' && path.startsWith('/staff/colleagues')) return [200, { items: [], total: 0 }];
    if (method === 'PUT' && path === `/drafts/${id}/results`) {
      body.results.forEach((row) => {
        const item = state.draft.items.find((candidate) => candidate.code === row.code);
        Object.assign(item, { result: row.result, note: row.note });
      });
      return [200, state.draft];
    }
    if (method === 'PATCH' && path === `/drafts/${id}`) {
      Object.assign(state.draft, body);
      return [200, state.draft];
    }
    if (method === 'POST' && (path === `/drafts/${id}/check-in` || path === `/drafts/${id}/check-out`)) {
      const kind = path.endsWith('in') ? 'check_in' : 'check_out';
      state.draft[kind] = { at: body.captured_at, lat: String(body.lat), lng: String(body.lng), coord_system: 'gcj02' };
      return [200, state.draft];
    }
    if (method === 'POST' && path === `/drafts/${id}/photos`) {
      state.draft.photos = state.draft.photos || [];
      const photo = { id: 500 + state.draft.photos.length, position: body.position, captured_at: body.captured_at, url: `/api/v1/drafts/${id}/photos/${500 + state.draft.photos.length}.jpg` };
      state.draft.photos.push(photo);
      return [201, photo];
    }
    if (method === 'POST' && path === `/drafts/${id}/submit`) {
      const existing = state.records.find((record) => record.draft_id === id);
      if (existing) return [200, existing];
      const record = { id: 100 + state.records.length, draft_id: id, device_submitted_at: body.device_submitted_at, missing_photos: body.missing_photos };
      state.records.push(record);
      state.draft.status = 'submitted';
      state.draft.record_id = record.id;
      return [201, record];
    }
    return [404, { error: { code: 'not_found', message: `fake server: no ${method} ${path}` } }];
  }

  wxMock.request.mockImplementation((opts) => {
    const path = opts.url.replace(/^https?:\/\/[^/]+\/api\/v1/, '').split('?')[0];
    const body = typeof opts.data === 'string' ? JSON.parse(opts.data) : opts.data;
    state.calls.push({ method: opts.method, path, body, signal: state.signal });
    Promise.resolve().then(() => {
      if (state.signal === 'down') {
        opts.fail({ errMsg: 'request:fail timeout' });
        return;
      }
      const [statusCode, data] = route(opts.method, path, body);
      if (state.signal === 'lost') opts.fail({ errMsg: 'request:fail timeout' });
      else opts.success({ statusCode, data: JSON.parse(JSON.stringify(data)) });
    });
  });
  return state;
}

module.exports = { createServer };
