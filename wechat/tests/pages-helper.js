// Shared by the role-job tests: log in as a role, render one page (loaded once per file: miniprogram-simulate
// registers a page's Component() on its first load only), let its promises settle.
const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');
const tokenStore = require('../utils/token-store');

const HOUR = 3600 * 1000;

function loginAs(role, id, name) {
  tokenStore.save({
    token: 't',
    expires_at: '2999-01-01T00:00:00+00:00',
    account: { id: id || 4, role, name: name || '张工' },
  });
}

function clearPhone() {
  Object.keys(wx.__storage).forEach((key) => delete wx.__storage[key]);
}

async function settle() {
  for (let i = 0; i < 8; i += 1) await simulate.sleep(0);
}

function pageRenderer(page) {
  const id = loadComponent(`pages/${page}/index`);
  return (options, lifecycle) => {
    const node = simulate.render(id);
    node.attach(document.createElement('parent-wrapper'));
    node.instance[lifecycle || 'onLoad'](options || {});
    return node;
  };
}

// A row of GET /records.
function record(id, signoff, extra) {
  return Object.assign(
    {
      id,
      category: 'half_month',
      maintenance_day: '2026-11-25',
      check_in_at: '2026-11-25T01:00:00+00:00',
      technician_name: '张工',
      elevator: { id: 9, address: '天河路 1 号', position: '1 号客梯' },
      flagged: false,
      signoff,
    },
    extra,
  );
}

// One record in each sign-off state; the pending one due in a little over five hours.
function recordsInEveryState() {
  return [
    record(1, { state: 'pending', deadline_at: new Date(Date.now() + 5 * HOUR + 150000).toISOString() }),
    record(2, { state: 'signed', decided_at: '2026-11-25T03:00:00+00:00' }),
    record(3, { state: 'default_confirmed', decided_at: '2026-11-25T16:00:00+00:00' }),
    record(4, { state: 'objected', objection_reason: '第 3 项未实际检查' }),
    record(5, { state: 'objection_resolved', objection_reason: '第 3 项未实际检查' }),
  ];
}

module.exports = { HOUR, loginAs, clearPhone, settle, pageRenderer, record, recordsInEveryState };
