// A technician's submitted records: every sign-off state, the pending deadline with time left, filters, paging.
const { routeRequests } = require('./wx-mock');
const { loginAs, clearPhone, settle, pageRenderer, recordsInEveryState } = require('./pages-helper');
const SIGNOFFS = recordsInEveryState();

const render = pageRenderer('records');

beforeEach(() => {
  clearPhone();
  loginAs('technician');
});

test('my records list shows each sign-off state, the pending deadline with time left, and filters by state', async () => {
  const calls = routeRequests(wx, {
    'GET /records': (opts, query) => ({
      statusCode: 200,
      data: { items: query.signoff_state ? SIGNOFFS.filter((r) => r.signoff.state === query.signoff_state) : SIGNOFFS, next_cursor: null },
    }),
  });
  const page = render({ mine: '1' });
  await settle();
  expect(calls[0].query).toEqual({ per_page: 20, technician_id: 4 });
  const badges = page.querySelectorAll('.state-badge').map((n) => n.dom.textContent);
  expect(badges).toEqual(['待签名确认', '已签名确认', '默认确认', '已提出异议', '异议已处理']);
  expect(page.querySelector('.deadline').dom.textContent).toMatch(/签名截止 .*（还剩 5 小时 2 分）/);
  expect(page.dom.textContent).toContain('截止时间前未签名，系统已按规定默认确认');
  expect(page.querySelectorAll('.objection')).toHaveLength(2);

  page.querySelectorAll('.state-filter')[3].dispatchEvent('tap'); // 默认确认
  await settle();
  expect(calls[1].query).toEqual({ per_page: 20, technician_id: 4, signoff_state: 'default_confirmed' });
  expect(page.querySelectorAll('.record-row')).toHaveLength(1);

  page.querySelectorAll('.state-filter')[4].dispatchEvent('tap'); // 有异议 → still one
  await settle();
  page.instance.openRecord({ currentTarget: { dataset: { id: 4, state: 'objected' } } });
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/record-detail/index?id=4' });
});

test('with no records yet the list says so, and more pages load with the cursor', async () => {
  const calls = routeRequests(wx, {
    'GET /records': (opts, query) => ({
      statusCode: 200,
      data: query.cursor ? { items: [SIGNOFFS[1]], next_cursor: null } : { items: [SIGNOFFS[0]], next_cursor: 'c1' },
    }),
  });
  const page = render({ mine: '1' });
  await settle();
  await page.instance.loadMore();
  await settle();
  expect(calls[1].query.cursor).toBe('c1');
  expect(page.querySelectorAll('.record-row')).toHaveLength(2);
  expect(page.querySelector('.load-more')).toBeUndefined();

  routeRequests(wx, { 'GET /records': { statusCode: 200, data: { items: [], next_cursor: null } } });
  const empty = render({ mine: '1' });
  await settle();
  expect(empty.dom.textContent).toContain('还没有已提交的维保记录');
});
