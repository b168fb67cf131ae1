// The technician's home: drafts resumed or cancelled (asked first; the phone's copy forgotten), their records.
const { routeRequests } = require('./wx-mock');
const { loginAs, clearPhone, settle, pageRenderer } = require('./pages-helper');
const outbox = require('../utils/outbox');
const localDraft = require('../utils/local-draft');

const render = pageRenderer('home');

beforeEach(() => {
  clearPhone();
  loginAs('technician');
});

test('a draft is resumed or cancelled from home; cancelling asks first and forgets what the phone kept', async () => {
  // The queue holds one unsent entry for draft 7.
  wx.setStorageSync(outbox.STORAGE_KEY, [{ id: 'x', draftId: 7, op: 'saveResults', args: [7, []] }]);
  localDraft.save(7, { id: 7, items: [] });
  const calls = routeRequests(wx, {
    'GET /drafts': { statusCode: 200, data: { items: [{ id: 7, category: 'quarter', created_at: '2026-11-25T01:00:00+00:00', check_in: null }], total: 1 } },
    'DELETE /drafts/7': { statusCode: 204, data: '' },
  });
  const page = render({}, 'onShow');
  await settle();
  expect(page.querySelector('.draft-waiting').dom.textContent).toBe('手机上有 1 项尚未上传到服务器');
  page.querySelector('.resume-draft').dispatchEvent('tap');
  await settle();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/record/index?draftId=7' });

  wx.showModal.mockImplementationOnce((opts) => opts.success({ confirm: false }));
  await page.instance.cancelDraft({ currentTarget: { dataset: { id: 7 } } });
  expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);

  await page.instance.cancelDraft({ currentTarget: { dataset: { id: 7 } } });
  await settle();
  expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/drafts/7']);
  expect(page.querySelectorAll('.draft-item')).toHaveLength(0);
  expect(outbox.pending(7)).toHaveLength(0);
  expect(localDraft.load(7)).toBeNull();
});

test('home links a technician to their submitted records', async () => {
  routeRequests(wx, { 'GET /drafts': { statusCode: 200, data: { items: [], total: 0 } } });
  const page = render({}, 'onShow');
  await settle();
  page.querySelector('.my-records').dispatchEvent('tap');
  await settle();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/records/index?mine=1' });
});

test('without signal, home lists the drafts kept on the phone so they can be resumed', async () => {
  localDraft.save(7, { id: 7, category: 'quarter', created_at: '2026-11-25T01:00:00+00:00', check_in: null, items: [] });
  localDraft.save(8, { id: 8, category: 'half_month', created_at: '2026-11-25T02:00:00+00:00', check_in: { at: '2026-11-25T02:01:00+00:00' }, items: [] });
  localDraft.remove(7);
  routeRequests(wx, { 'GET /drafts': { fail: 'request:fail timeout' } });
  const page = render({}, 'onShow');
  await settle();
  expect(page.querySelector('.drafts-offline').dom.textContent).toContain('这部手机上保存的草稿');
  expect(page.data.drafts.map((d) => d.id)).toEqual([8]);
  expect(page.querySelector('.draft-item').dom.textContent).toContain('半月维保');
});
