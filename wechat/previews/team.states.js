// Preview states of pages/team/index: the supervisor's day.
const samples = require('./sample-records');

const TODAY = '2026-11-25';

function overdue(n, offset) {
  return Array.from({ length: n }, (_, i) => {
    const elevator = samples.ELEVATORS[i % 3];
    return {
      elevator_id: 100 + i + (offset || 0),
      device_code: `3110440100${2020 + i}`,
      address: `${elevator.address} ${elevator.position}`,
      district: '440106',
      maintenance_unit_id: 1,
      last_on: '2026-11-05',
      due_on: offset ? `2026-11-2${6 + (i % 3)}` : `2026-11-2${i % 4}`,
      days_overdue: offset ? 0 : 5 - (i % 4),
      excused: !offset && i === 1,
      notice_ids: !offset && i === 1 ? [8] : [],
    };
  });
}

function answers(n) {
  return {
    'GET /records': (opts) => {
      const query = opts.data || {};
      const items = query.flagged
        ? Array.from({ length: Math.ceil(n / 3) }, (_, i) => samples.record(i, { flagged: true, flag_distance: i % 2 === 0, flag_duration: i % 2 === 1, flag_overlap: i === 2, maintenance_day: TODAY }))
        : Array.from({ length: n }, (_, i) => samples.record(i, { maintenance_day: TODAY, check_in_at: `${TODAY}T0${i % 8}:05:00+00:00` }));
      return { statusCode: 200, data: { items, next_cursor: null } };
    },
    'GET /overdue': (opts) => {
      const soon = opts.data && opts.data.as_of;
      const now = overdue(Math.ceil(n / 4));
      return { statusCode: 200, data: { items: soon ? now.concat(overdue(Math.ceil(n / 5), 50)) : now, total: now.length } };
    },
    'GET /delay-notices': {
      statusCode: 200,
      data: {
        items: n
          ? [
              {
                id: 8,
                cause: 'area_lockdown',
                cause_label: '区域封锁',
                starts_on: '2026-11-20',
                ends_on: '2026-11-30',
                explanation: '小区封闭管理，维保人员无法进入',
                elevator_ids: [101],
                elevators: [samples.ELEVATORS[1]],
              },
            ]
          : [],
        total: n ? 1 : 0,
      },
    },
  };
}

const empty = {
  'GET /records': { statusCode: 200, data: { items: [], next_cursor: null } },
  'GET /overdue': { statusCode: 200, data: { items: [], total: 0 } },
  'GET /delay-notices': { statusCode: 200, data: { items: [], total: 0 } },
};

module.exports = {
  session: { id: 21, role: 'mu_supervisor', name: '周明' },
  states: {
    loading: { requests: { 'GET /records': 'pending', 'GET /overdue': 'pending', 'GET /delay-notices': 'pending' } },
    empty: { description: '平静的一天', requests: empty },
    error: {
      requests: {
        'GET /records': { fail: 'request:fail timeout' },
        'GET /overdue': { fail: 'request:fail timeout' },
        'GET /delay-notices': { fail: 'request:fail timeout' },
      },
    },
    typical: { requests: answers(4) },
    long: { requests: answers(14) },
  },
};
