// Preview states of pages/home/index (see wechat/README.md, 页面预览). A manager's home: the pending sign-offs.
const MANAGER = { id: 31, role: 'uu_manager', name: '王丽华' };

function pendingRow(i) {
  const addresses = ['天河区体育西路 191 号 中石化大厦', '越秀区东风中路 410 号 时代地产中心', '海珠区新港东路 1000 号 保利世贸中心 B 座'];
  return {
    record_id: 1200 + i,
    elevator: { address: addresses[i % addresses.length], position: `${(i % 4) + 1} 号客梯` },
    maintenance_day: '2026-11-25',
    deadline_at: `2026-11-2${6 + (i % 2)}T0${i % 10}:00:00+00:00`,
    push_outcome: i === 1 ? 'no_quota' : 'sent',
    push_outcome_label: i === 1 ? '提醒未送达：您没有剩余的订阅次数' : '已送达',
  };
}

const pending = (n) => ({ statusCode: 200, data: { items: Array.from({ length: n }, (_, i) => pendingRow(i)), total: n } });

module.exports = {
  session: MANAGER,
  // Opened with wx.reLaunch: no back arrow.
  root: true,
  states: {
    loading: { requests: { 'GET /signoff/records': 'pending' } },
    empty: { requests: { 'GET /signoff/records': pending(0) } },
    error: { requests: { 'GET /signoff/records': { fail: 'request:fail timeout' } } },
    typical: { requests: { 'GET /signoff/records': pending(3) } },
    long: { requests: { 'GET /signoff/records': pending(14) } },
    technician: {
      description: '维保人员：扫码入口与未提交的草稿',
      session: { id: 11, role: 'technician', name: '李建国' },
      requests: {
        'GET /drafts': {
          statusCode: 200,
          data: {
            items: [
              { id: 5, category: 'half_month', created_at: '2026-11-25T01:00:00+00:00', check_in: { at: '2026-11-25T01:01:00+00:00' } },
              { id: 6, category: 'quarter', created_at: '2026-11-24T06:20:00+00:00', check_in: null },
            ],
            total: 2,
          },
        },
      },
    },
  },
};
