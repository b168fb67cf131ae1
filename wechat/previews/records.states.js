// Preview states of pages/records/index: a technician's own submitted records with their sign-off states.
const samples = require('./sample-records');

module.exports = {
  session: { id: 11, role: 'technician', name: '李建国' },
  query: { mine: '1' },
  states: {
    loading: { requests: { 'GET /records': 'pending' } },
    empty: { requests: { 'GET /records': samples.page(0) } },
    error: { requests: { 'GET /records': { fail: 'request:fail timeout' } } },
    typical: { description: '待签名（剩余时间）、已签名、默认确认、有异议、异议已处理', requests: { 'GET /records': samples.page(5) } },
    long: { description: '20 条，还有下一页', requests: { 'GET /records': samples.page(20, 'next') } },
    manager: {
      description: '安全管理人员的历史记录：按电梯、按状态',
      session: { id: 31, role: 'uu_manager', name: '王丽华' },
      query: { mine: '0' },
      requests: {
        'GET /records': samples.page(6),
        'GET /elevators': { statusCode: 200, data: { items: samples.ELEVATORS, total: 3 } },
      },
    },
  },
};
