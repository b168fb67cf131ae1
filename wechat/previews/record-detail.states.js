// Preview states of pages/record-detail/index: one submitted record, read-only, hazards first, with the
// technician's signature.
const samples = require('./sample-records');

const NAMES = ['机房、滑轮间环境', '手动紧急操作装置', '驱动主机', '制动器各销轴部位', '制动器间隙', '编码器', '限速器各销轴部位', '轿顶'];
const RESULTS = ['normal', 'normal', 'adjusted', 'normal', 'hazard', 'normal', 'not_applicable', 'replaced'];

function items(n) {
  return Array.from({ length: n }, (_, i) => ({
    seq: i + 1,
    code: `A-${1 + Math.floor(i / 8)}-${String((i % 8) + 1).padStart(2, '0')}`,
    item: NAMES[i % NAMES.length],
    result: RESULTS[i % RESULTS.length],
    note: RESULTS[i % RESULTS.length] === 'hazard' ? '制动衬磨损接近极限，建议一周内更换' : RESULTS[i % RESULTS.length] === 'not_applicable' ? '本梯无此装置' : null,
  }));
}

function detail(n, overrides) {
  return {
    statusCode: 200,
    data: samples.record(0, Object.assign(
      {
        id: 41,
        technicians: [{ account_id: 11, name: '李建国' }, { account_id: 12, name: '陈志强' }],
        items: items(n),
        remarks: '轿厢照明一只灯管闪烁，已更换',
        replaced_parts: [{ name: '轿厢照明灯管', model: 'T5 28W', quantity: 1 }],
        hazards: n ? [{ description: '制动衬磨损接近极限', action: '已告知使用单位，下次维保更换' }] : [],
      },
      overrides,
    )),
  };
}

const signature = { 'GET /records/41/signature.png': samples.SIGNATURE_ANSWER };

module.exports = {
  session: { id: 11, role: 'technician', name: '李建国' },
  query: { id: '41' },
  wx: samples.SIGNATURE_WX,
  states: {
    loading: { requests: { 'GET /records/41': 'pending' } },
    empty: { description: '没有维保项目的记录', requests: Object.assign({ 'GET /records/41': detail(0, { remarks: '' }) }, signature) },
    error: { requests: { 'GET /records/41': { statusCode: 404, data: { error: { code: 'not_found', message: '找不到该维保记录' } } } } },
    typical: { description: '待签名（剩余时间），一项隐患在前', requests: Object.assign({ 'GET /records/41': detail(8) }, signature) },
    long: {
      description: '32 项，有异常标记，已默认确认',
      requests: Object.assign(
        { 'GET /records/41': detail(32, { flagged: true, flag_distance: true, flag_duration: true, signoff: samples.signoffFor(2) }) },
        signature,
      ),
    },
  },
};
