// The elevator page: the elevator's recent history, with sign-off states and flags.
const { routeRequests } = require('./wx-mock');
const { loginAs, clearPhone, settle, pageRenderer, record, recordsInEveryState } = require('./pages-helper');
const SIGNOFFS = recordsInEveryState();

const render = pageRenderer('elevator');

beforeEach(() => {
  clearPhone();
  loginAs('technician');
});

test('the elevator page shows the elevator\'s recent records and links to all of them', async () => {
  const calls = routeRequests(wx, {
    'GET /elevators/by-public-code/k7m2p9q4': { statusCode: 200, data: { id: 9, address: '天河路 1 号', elevator_type: 'traction' } },
    'GET /records': { statusCode: 200, data: { items: SIGNOFFS.slice(0, 2).concat([record(6, null, { flagged: true, flag_duration: true })]), next_cursor: 'more' } },
  });
  const page = render({ code: 'k7m2p9q4' });
  await settle();
  expect(calls[1].query).toEqual({ per_page: 5, elevator_id: 9 });
  expect(page.querySelectorAll('.recent-row')).toHaveLength(3);
  expect(page.querySelector('.recent').dom.textContent).toContain('异常：维保时长过短');
  page.querySelector('.all-records').dispatchEvent('tap');
  await settle();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/records/index?elevator_id=9' });
});
