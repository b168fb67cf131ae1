// Preview states of pages/record/index: the checklist of an open draft.
const NAMES = [
  ['机房、滑轮间环境', '清洁，门窗完好，照明正常'], ['手动紧急操作装置', '齐全，在指定位置'], ['驱动主机', '运行时无异常振动和异常声响'],
  ['制动器各销轴部位', '润滑，动作灵活'], ['制动器间隙', '打开时制动衬与制动轮不应发生摩擦'], ['编码器', '清洁，安装牢固'],
  ['限速器各销轴部位', '润滑，转动灵活；电气开关正常'], ['层门和轿门旁路装置', '工作正常'], ['紧急电动运行', '工作正常'],
  ['轿顶', '清洁，防护栏安全可靠'], ['轿顶检修开关、停止装置', '工作正常'], ['导靴上油杯', '吸油毛毡齐全，油量适宜'],
];
const RESULTS = [null, 'normal', 'normal', 'adjusted', 'hazard', 'normal', 'not_applicable', 'normal'];

function items(n, answered) {
  return Array.from({ length: n }, (_, i) => {
    const [item, requirement] = NAMES[i % NAMES.length];
    const result = answered ? RESULTS[i % RESULTS.length] : null;
    return {
      seq: i + 1,
      code: `A-${1 + Math.floor(i / 6)}-${String((i % 6) + 1).padStart(2, '0')}`,
      item,
      requirement,
      added: false,
      result,
      note: result === 'hazard' ? '制动衬磨损接近极限，已通知使用单位，下次维保更换' : result === 'not_applicable' ? '本梯无此装置' : null,
      remark: null,
    };
  });
}

function draft(overrides) {
  return {
    statusCode: 200,
    data: Object.assign(
      {
        id: 5, elevator_id: 9, category: 'half_month', status: 'open', record_id: null, remarks: '',
        check_in: { at: '2026-11-25T01:00:00+00:00', lat: '23.137466', lng: '113.321053', coord_system: 'gcj02' },
        check_out: null, items: items(6, true), replaced_parts: [], hazards: [],
      },
      overrides,
    ),
  };
}

const ELEVATOR = { statusCode: 200, data: { id: 9, address: '广州市天河区体育西路 191 号 中石化大厦', position: 'A 座 3 号客梯' } };
const COLLEAGUES = { statusCode: 200, data: { items: [{ id: 11, name: '李建国' }, { id: 12, name: '陈志强' }] } };
const base = { 'GET /elevators/9': ELEVATOR, 'GET /staff/colleagues': COLLEAGUES };

module.exports = {
  session: { id: 11, role: 'technician', name: '李建国' },
  query: { draftId: '5' },
  states: {
    loading: { requests: Object.assign({}, base, { 'GET /drafts/5': 'pending' }) },
    empty: {
      description: '刚开始：未签到，未填写',
      requests: Object.assign({}, base, { 'GET /drafts/5': draft({ check_in: null, items: items(6, false) }) }),
    },
    error: { requests: Object.assign({}, base, { 'GET /drafts/5': { fail: 'request:fail timeout' } }) },
    typical: { requests: Object.assign({}, base, { 'GET /drafts/5': draft() }) },
    offline: {
      description: '没有信号：显示手机上保存的内容，3 项待上传',
      storage: {
        'miniback.draft.5': draft({ items: items(6, true) }).data,
        'miniback.outbox': [
          { id: 'p1', draftId: 5, op: 'saveResults', key: 'result:A-1-05', args: [5, [{ code: 'A-1-05', result: 'hazard', note: '制动衬磨损接近极限' }]], attempts: 2 },
          { id: 'p2', draftId: 5, op: 'saveResults', key: 'result:A-1-06', args: [5, [{ code: 'A-1-06', result: 'normal', note: null }]], attempts: 1 },
          { id: 'p3', draftId: 5, op: 'checkOut', key: 'check_out', args: [5, { lat: 23.137466, lng: 113.321053, accuracy_m: 18, coord_system: 'gcj02', captured_at: '2026-11-25T01:41:00.000Z' }], attempts: 1 },
        ],
      },
      // Still no signal when the page tries to send what waits.
      requests: Object.assign({}, base, {
        'GET /drafts/5': { fail: 'request:fail timeout' },
        'PUT /drafts/5/results': { fail: 'request:fail timeout' },
        'POST /drafts/5/check-out': { fail: 'request:fail timeout' },
      }),
    },
    long: {
      description: '31 项，含隐患、配件',
      requests: Object.assign({}, base, {
        'GET /drafts/5': draft({
          items: items(31, true),
          replaced_parts: [{ name: '制动衬', model: 'ZC-200', quantity: 2 }],
          hazards: [{ description: '对重导轨支架松动', action: '已紧固，建议下次复查' }],
        }),
      }),
    },
  },
};
