// Preview states of pages/signoff/index: a pushed record for the use unit's manager to sign or object to.
const ITEMS = [
  ['A-1-01', '机房、滑轮间环境', 'normal'], ['A-1-02', '手动紧急操作装置', 'normal'], ['A-1-03', '驱动主机', 'adjusted'],
  ['A-1-04', '制动器各销轴部位', 'normal'], ['A-1-05', '制动器间隙', 'hazard'], ['A-2-01', '轿顶', 'normal'],
  ['A-2-02', '轿顶检修开关、停止装置', 'normal'], ['A-2-03', '导靴上油杯', 'replaced'], ['A-3-01', '层门地坎', 'not_applicable'],
];

function items(n) {
  return Array.from({ length: n }, (_, i) => {
    const [code, item, result] = ITEMS[i % ITEMS.length];
    return {
      seq: i + 1,
      code: n > ITEMS.length ? `${code.slice(0, 4)}${String(i + 1).padStart(2, '0')}` : code,
      item,
      requirement: '',
      result,
      note: result === 'hazard' ? '制动衬磨损接近极限，建议一周内更换' : result === 'not_applicable' ? '本梯无此装置' : null,
    };
  });
}

function answers(n, overrides) {
  return {
    'GET /signoff/records/12': {
      statusCode: 200,
      data: Object.assign(
        {
          record_id: 12,
          state: 'pending',
          maintenance_day: '2026-11-25',
          deadline_at: '2026-11-26T01:00:00+00:00',
          decided_at: null,
          objection_open: false,
          objection_reason: null,
          elevator: { address: '广州市天河区体育西路 191 号 中石化大厦', position: 'A 座 3 号客梯' },
          record: { category: 'half_month', check_in_at: '2026-11-25T01:00:00+00:00', check_out_at: '2026-11-25T01:40:00+00:00', remarks: '' },
          push_outcome: 'delivered',
          push_outcome_label: '提醒已送达',
          push_recipients: [
            { account_id: 31, name: '王丽华', outcome: 'delivered', label: '已送达' },
            { account_id: 32, name: '赵敏', outcome: 'no_quota', label: '没有剩余订阅次数' },
          ],
        },
        overrides,
      ),
    },
    'GET /records/12': { statusCode: 200, data: { technicians: [{ name: '李建国' }, { name: '陈志强' }], items: items(n) } },
  };
}

const samples = require('./sample-records');

module.exports = {
  // The technician's signature beside the content it signed.
  requests: { 'GET /records/12/signature.png': samples.SIGNATURE_ANSWER },
  wx: samples.SIGNATURE_WX,
  session: { id: 31, role: 'uu_manager', name: '王丽华' },
  query: { record_id: '12' },
  states: {
    loading: { requests: { 'GET /signoff/records/12': 'pending' } },
    empty: { description: '记录没有维保项目内容（无权查看明细）', requests: Object.assign(answers(0), { 'GET /records/12': { statusCode: 404, data: { error: { code: 'not_found', message: '记录不存在' } } } }) },
    error: { requests: { 'GET /signoff/records/12': { fail: 'request:fail timeout' } } },
    typical: { requests: answers(9) },
    long: { description: '32 项，已签名', requests: answers(32, { state: 'signed', decided_at: '2026-11-25T03:10:00+00:00' }) },
  },
};
