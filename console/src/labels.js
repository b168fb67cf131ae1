// Chinese names of the API's codes, one definition for every screen. Times are shown in Asia/Shanghai, where
// every calendar rule of the platform is computed.
export const CATEGORY = { half_month: '半月', quarter: '季度', half_year: '半年', year: '年度' }
export const ELEVATOR_TYPE = {
  traction: '曳引与强制驱动电梯',
  hydraulic: '液压电梯',
  dumbwaiter: '杂物电梯',
  escalator: '自动扶梯与自动人行道',
}
export const SIGNOFF_STATE = {
  pending: '待签名确认',
  signed: '已签名确认',
  default_confirmed: '默认签名确认',
  objected: '有异议',
  objection_resolved: '异议已处理',
}
export const SIGNOFF_STATE_TAG = {
  pending: 'warning',
  signed: 'success',
  default_confirmed: 'info',
  objected: 'danger',
  objection_resolved: '',
}
export const UNIT_STATUS = { pending: '待审核', active: '正常', suspended: '已暂停' }
export const UNIT_STATUS_TAG = { pending: 'warning', active: 'success', suspended: 'danger' }
export const FLAG = { distance: '位置不符', duration: '用时过短', overlap: '同一时间两处作业', late_upload: '超时上传' }
export const ITEM_RESULT = { normal: '正常', adjusted: '调整', replaced: '更换', not_applicable: '不适用', hazard: '有隐患' }

export const GUANGZHOU_DISTRICTS = [
  '越秀区', '海珠区', '荔湾区', '天河区', '白云区', '黄埔区', '番禺区', '花都区', '南沙区', '从化区', '增城区',
]

const DATE_TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})

/** An API timestamp (ISO 8601, UTC) as Beijing time, e.g. 2026/12/03 18:52. */
export function dateTime(value) {
  if (!value) return '—'
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? String(value) : DATE_TIME.format(date)
}

export function label(table, code) {
  return (code && table[code]) || code || '—'
}
export const DELAY_CAUSE = {
  natural_disaster: '自然灾害',
  emergency_control: '应急管控',
  area_lockdown: '区域封锁',
  other: '其他',
}
export const ELEVATOR_STATUS = { in_service: '在用', out_of_service: '停用', decommissioned: '已报废' }
export const ELEVATOR_STATUS_TAG = { in_service: 'success', out_of_service: 'warning', decommissioned: 'info' }
export const LOCATION_KIND = { initial: '首次现场确认', confirmed: '现场确认', mismatch: '位置不符', corrected: '管理员更正' }
export const LOCATION_KIND_TAG = { initial: 'success', confirmed: '', mismatch: 'danger', corrected: 'warning' }
/** The elevator's fields by their API names, for forms and the change history. */
export const ELEVATOR_FIELD = {
  device_code: '设备代码',
  registration_code: '注册代码',
  use_certificate_no: '使用登记证编号',
  rescue_code: '应急救援识别码',
  elevator_type: '梯型',
  make: '制造单位（品牌）',
  model: '型号',
  rated_load_kg: '额定载重量（kg）',
  rated_speed_mps: '额定速度（m/s）',
  stops: '层站数',
  address: '安装地址',
  district: '所在区',
  position: '楼内位置（梯号）',
  use_unit_id: '使用单位',
  use_unit_credit_code: '使用单位信用代码',
  maintenance_unit_id: '维保单位',
  status: '状态',
  public_code: '公开编码',
}

/** A date of the API (YYYY-MM-DD, already a Beijing calendar day) as 2026/12/03. */
export function day(value) {
  return value ? String(value).replaceAll('-', '/') : '—'
}
export const PUSH_OUTCOME_TAG = {
  pending: 'info',
  delivered: 'success',
  no_recipient: 'danger',
  no_quota: 'warning',
  failed: 'danger',
}
export const RECIPIENT_OUTCOME_TAG = {
  pending: 'info',
  retrying: 'warning',
  delivered: 'success',
  no_quota: 'warning',
  failed: 'danger',
  not_bound: 'danger',
  bound_later: 'info',
}
// The unit fields as the registration form, the details card and the change history name them.
export const UNIT_FIELD = {
  name: '单位名称',
  credit_code: '统一社会信用代码',
  filing_no: '维保备案编号',
  address: '单位地址',
  office_address: '办公地址',
  contact_name: '维保负责人',
  contact_phone: '维保负责人电话',
  emergency_phone: '24 小时应急救援电话',
  district: '所在区',
  status: '状态',
}
export const COORD_SYSTEM = { gcj02: 'GCJ-02（国测局坐标）', wgs84: 'WGS-84（GPS 坐标）' }
export const TECHNICIAN_ROLE = { primary: '第一维保人员', second: '第二维保人员' }
export const RECORD_SOURCE = { miniprogram: '微信小程序' }
export const LEDGER_KIND = { record: '维保记录', event: '签名确认事件' }

const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })

/** The calendar day (YYYY-MM-DD) in Asia/Shanghai of `date`, the day the API's date filters mean. */
export function shanghaiDay(date = new Date()) {
  return DAY.format(date)
}

/** The Monday (YYYY-MM-DD, Asia/Shanghai) of the week holding `date`. */
export function shanghaiWeekStart(date = new Date()) {
  const day = new Date(shanghaiDay(date) + 'T00:00:00Z')
  const sinceMonday = (day.getUTCDay() + 6) % 7
  day.setUTCDate(day.getUTCDate() - sinceMonday)
  return day.toISOString().slice(0, 10)
}
/** Short names of the elevator types, for chart axes. */
export const ELEVATOR_TYPE_SHORT = {
  traction: '曳引与强制驱动',
  hydraulic: '液压',
  dumbwaiter: '杂物',
  escalator: '扶梯与人行道',
}
/** The colour each sign-off state has in charts (as its SIGNOFF_STATE_TAG in tables). */
export const SIGNOFF_STATE_COLOR = {
  signed: '#67c23a',
  default_confirmed: '#909399',
  objected: '#f56c6c',
  objection_resolved: '#409eff',
  pending: '#e6a23c',
}
