// Preview states of pages/bind-codes/index: the use unit admin's safety managers and a bind code just issued.
const NAMES = ['王丽华', '赵敏', '孙伟', '刘芳', '吴强', '郑洁', '冯磊', '何静'];

function managers(n) {
  return {
    statusCode: 200,
    data: {
      items: Array.from({ length: n }, (_, i) => ({
        id: 31 + i,
        name: NAMES[i % NAMES.length],
        mobile: `1380000${String(1000 + i).slice(-4)}`,
        role: 'uu_manager',
        wechat_bound: i % 3 === 0,
        active: true,
      })),
      total: n,
    },
  };
}

module.exports = {
  session: { id: 20, role: 'uu_admin', name: '物业管理员' },
  states: {
    loading: { requests: { 'GET /staff': 'pending' } },
    empty: { requests: { 'GET /staff': managers(0) } },
    error: { requests: { 'GET /staff': { fail: 'request:fail timeout' } } },
    typical: { requests: { 'GET /staff': managers(3) } },
    issued: {
      description: '刚为赵敏发放的绑定码',
      requests: {
        'GET /staff': managers(3),
        'POST /staff/32/bind-code': { statusCode: 201, data: { bind_code: 'K7M2P9Q4', expires_in_seconds: 1800 } },
      },
      act: async ({ page }) => page.instance.issue({ currentTarget: { dataset: { id: 32 } } }),
    },
    long: { requests: { 'GET /staff': managers(12) } },
  },
};
