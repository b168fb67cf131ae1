// The supervisor's day: today's jobs in their part of the organisation, flagged records with the reason,
// overdue and due-soon elevators, delay notices in force. Each list stands on its own when another fails.
const { routeRequests } = require('./wx-mock');
const { loginAs, clearPhone, settle, pageRenderer, record } = require('./pages-helper');
const { shanghaiDay } = require('../utils/format');

const render = pageRenderer('team');

const TODAY = shanghaiDay();
const IN_3_DAYS = shanghaiDay(Date.parse(`${TODAY}T12:00:00+08:00`), 3);
const A_MONTH_AGO = shanghaiDay(Date.parse(`${TODAY}T12:00:00+08:00`), -30);

function overdue(id, extra) {
  return Object.assign({ elevator_id: id, device_code: `D${id}`, address: `中山路 ${id} 号`, due_on: '2026-11-20', days_overdue: 3, excused: false, notice_ids: [] }, extra);
}

function routes(overrides) {
  return Object.assign(
    {
      'GET /records': (opts, query) => ({
        statusCode: 200,
        data: {
          items: query.flagged
            ? [record(31, null, { technician_name: '李工', flagged: true, flag_distance: true, flag_overlap: true })]
            : [record(21, { state: 'pending', deadline_at: '2999-01-01T00:00:00+00:00' }, { technician_name: '王工' })],
          next_cursor: null,
        },
      }),
      'GET /overdue': (opts, query) => ({
        statusCode: 200,
        data: { items: query.as_of ? [overdue(1), overdue(2, { due_on: IN_3_DAYS, days_overdue: 0 })] : [overdue(1)], total: 1 },
      }),
      'GET /delay-notices': {
        statusCode: 200,
        data: {
          items: [
            { id: 8, cause_label: '区域封锁', starts_on: TODAY, ends_on: '2999-12-31', explanation: '小区封闭管理', elevator_ids: [1], elevators: [{ id: 1, address: '中山路 1 号' }] },
            { id: 7, cause_label: '其他', starts_on: '2020-01-01', ends_on: '2020-01-02', explanation: '过期的', elevator_ids: [3], elevators: [] },
          ],
          total: 2,
        },
      },
    },
    overrides,
  );
}

beforeEach(() => {
  clearPhone();
  loginAs('mu_supervisor', 12, '陈主管');
});

test("the supervisor sees today's jobs, flagged records with the reason, overdue, due soon and notices", async () => {
  const calls = routeRequests(wx, routes());
  const page = render();
  await settle();
  const recordQueries = calls.filter((c) => c.path === '/records').map((c) => c.query);
  expect(recordQueries).toContainEqual({ per_page: 100, date_from: TODAY, date_to: TODAY });
  expect(recordQueries).toContainEqual({ per_page: 100, flagged: true, date_from: A_MONTH_AGO });
  expect(page.querySelector('.job-row').dom.textContent).toContain('王工 · 半月维保');
  expect(page.querySelector('.flag-reason').dom.textContent).toBe('签到/签退位置偏离电梯、与本人其他维保时间重叠');
  expect(page.querySelectorAll('.overdue-row')).toHaveLength(1);
  expect(page.querySelector('.overdue-row').dom.textContent).toContain('逾期 3 天');
  // Due soon: overdue by the window's end, not already overdue today.
  expect(calls.filter((c) => c.path === '/overdue').map((c) => c.query.as_of)).toEqual([undefined, IN_3_DAYS]);
  expect(page.querySelectorAll('.due-soon-row')).toHaveLength(1);
  expect(page.querySelector('.due-soon-row').dom.textContent).toContain(`${IN_3_DAYS} 到期`);
  // Only the notice still in force.
  expect(page.querySelectorAll('.notice-row')).toHaveLength(1);
  expect(page.querySelector('.notice-row').dom.textContent).toContain('涉及 1 台：中山路 1 号');

  page.querySelector('.flagged-row').dispatchEvent('tap');
  await settle();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/record-detail/index?id=31' });
  page.querySelector('.overdue-row').dispatchEvent('tap');
  await settle();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/records/index?elevator_id=1' });
});

test('one list failing says so and leaves the others readable', async () => {
  routeRequests(wx, routes({ 'GET /overdue': { statusCode: 503, data: { error: { code: 'unavailable', message: '服务暂时不可用' } } } }));
  const page = render();
  await settle();
  expect(page.data.overdue.status).toBe('error');
  expect(page.dom.textContent).toContain('服务暂时不可用');
  expect(page.querySelectorAll('.job-row')).toHaveLength(1);
  expect(page.querySelectorAll('.notice-row')).toHaveLength(1);
});

test('a quiet day says what is empty instead of showing nothing', async () => {
  routeRequests(wx, {
    'GET /records': { statusCode: 200, data: { items: [], next_cursor: null } },
    'GET /overdue': { statusCode: 200, data: { items: [], total: 0 } },
    'GET /delay-notices': { statusCode: 200, data: { items: [], total: 0 } },
  });
  const page = render();
  await settle();
  const text = page.dom.textContent;
  ['今天还没有提交的维保记录', '近 30 天没有异常记录', '没有逾期未维保的电梯', '3 天内没有到期的电梯', '没有生效中的延期说明'].forEach((message) =>
    expect(text).toContain(message),
  );
});
