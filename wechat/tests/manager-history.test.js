// A use-unit manager looks back: the unit's records by elevator and by sign-off state; a pending one opens on
// the sign-off page, anything else on the read-only detail.
const { routeRequests } = require('./wx-mock');
const { loginAs, clearPhone, settle, pageRenderer, record } = require('./pages-helper');

const render = pageRenderer('records');

beforeEach(() => {
  clearPhone();
  loginAs('uu_manager', 30, '王经理');
});

test('history by elevator and by state', async () => {
  const calls = routeRequests(wx, {
    'GET /elevators': {
      statusCode: 200,
      data: { items: [{ id: 9, address: '天河路 1 号', position: '1 号客梯' }, { id: 10, address: '天河路 1 号', position: '2 号客梯' }], total: 2 },
    },
    'GET /records': (opts, query) => ({
      statusCode: 200,
      data: {
        items: [record(query.elevator_id === 10 ? 52 : 51, { state: query.signoff_state || 'signed', deadline_at: '2999-01-01T00:00:00+00:00' })],
        next_cursor: null,
      },
    }),
  });
  const page = render();
  await settle();
  // No technician filter for a manager: the API scopes the list to the use unit.
  expect(calls.find((c) => c.path === '/records').query).toEqual({ per_page: 20 });
  expect(page.data.elevatorChoices.map((c) => c.label)).toEqual(['全部电梯', '天河路 1 号 1 号客梯', '天河路 1 号 2 号客梯']);

  await page.instance.pickElevator({ detail: { value: '2' } });
  await settle();
  expect(calls.filter((c) => c.path === '/records').pop().query).toEqual({ per_page: 20, elevator_id: 10 });
  expect(page.querySelector('.pick-elevator').dom.textContent).toContain('天河路 1 号 2 号客梯');

  page.querySelectorAll('.state-filter')[5].dispatchEvent('tap'); // 异议已处理
  await settle();
  expect(calls.filter((c) => c.path === '/records').pop().query).toEqual({
    per_page: 20,
    elevator_id: 10,
    signoff_state: 'objection_resolved',
  });
  expect(page.querySelector('.state-badge').dom.textContent).toBe('异议已处理');
});

test('a pending record opens on the sign-off page, a decided one on the detail page', async () => {
  routeRequests(wx, {
    'GET /elevators': { statusCode: 200, data: { items: [], total: 0 } },
    'GET /records': { statusCode: 200, data: { items: [], next_cursor: null } },
  });
  const page = render();
  await settle();
  expect(page.dom.textContent).toContain('没有维保记录');
  page.instance.openRecord({ currentTarget: { dataset: { id: 51, state: 'pending' } } });
  expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/signoff/index?record_id=51' });
  page.instance.openRecord({ currentTarget: { dataset: { id: 52, state: 'signed' } } });
  expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/record-detail/index?id=52' });
});
