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
export const FLAG = { distance: '位置不符', duration: '用时过短', overlap: '同一时间两处作业', late_upload: '超时上传',
  // Issue 19's authenticity signals (record_flag rows: the record detail's `signals`, a list row's `signal_kinds`).
  impossible_travel: '行程不可能',
  suspect_location: '疑似虚拟定位',
  bulk_upload: '集中补传',
  photo_reused: '照片重复使用',
  photo_not_fresh: '照片非现场拍摄',
  photo_missing: '缺少照片',
}
export const SIGNAL_KINDS = ['impossible_travel', 'suspect_location', 'bulk_upload', 'photo_reused', 'photo_not_fresh', 'photo_missing']
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

// The data interface (数据接口): platforms, their keys, history, conformance scenarios and the error codes a
// platform's calls are answered with (docs/platform-api.md has the same table for integrators).
export const PLATFORM_STATUS = { testing: '对接测试中', connected: '已完成对接', suspended: '已暂停', revoked: '已撤销' }
export const PLATFORM_STATUS_TAG = { testing: 'warning', connected: 'success', suspended: 'danger', revoked: 'info' }
export const KEY_ALGORITHM = { ed25519: 'Ed25519', 'rsa-sha256': 'RSA-2048（SHA-256，PKCS#1 v1.5）' }
export const PLATFORM_FIELD = {
  code: '平台代码',
  name: '平台名称',
  company_name: '运营单位',
  company_credit_code: '运营单位统一社会信用代码',
  contact_name: '联系人',
  contact_phone: '联系电话',
  contact_email: '联系邮箱',
  callback_url: '回调地址',
  public_key_pem: '公钥（PEM）',
  status: '状态',
}
export const PLATFORM_EVENT = {
  registered: '登记平台',
  updated: '修改平台信息',
  key_added: '添加公钥',
  key_retired: '停用公钥',
  connected: '准予上线',
  suspended: '暂停',
  reinstated: '恢复',
  revoked: '撤销',
}
// The API names each scenario itself (`title`); these are for where only the code is at hand.
export const CONFORMANCE_SCENARIO = {
  single_upload: '单条记录上传成功',
  batch_with_invalid: '批量上传含错误条目',
  idempotent_retry: '幂等重试返回已有记录',
  conflict_409: '内容变化的重复记录号返回 409',
  delay_notice: '延期说明上传成功',
  callback_acked: '回调通知被确认（2xx）',
}
export const CALLBACK_STATUS = { pending: '投递中', delivered: '已送达', failed: '投递失败' }
export const CALLBACK_STATUS_TAG = { pending: 'warning', delivered: 'success', failed: 'danger' }
export const CALLBACK_EVENT = {
  'record.signed': '记录已签名确认',
  'record.default_confirmed': '记录已默认签名确认',
  'record.objected': '记录有异议',
}
export const PLATFORM_ERROR = {
  authorization_malformed: '签名头格式错误',
  key_unknown: '密钥编号未知',
  signature_invalid: '签名无效',
  timestamp_skewed: '时间戳超出 ±5 分钟',
  nonce_reused: '随机串重复（重放）',
  nonce_store_unavailable: '防重放服务暂不可用',
  platform_suspended: '平台已暂停',
  platform_revoked: '平台已撤销',
  validation_error: '数据校验不通过',
  elevator_unknown: '电梯未知或未授权',
  unit_not_authorised: '维保单位未授权',
  technician_unknown: '维保人员不是该单位在职人员',
  category_invalid: '维保类别不适用于该梯型',
  items_missing: '缺少维保项目',
  item_unknown: '维保项目代码未知',
  signature_not_png: '签名图片不是 PNG',
  location_unknown: '电梯尚无位置信息',
  idempotency_conflict: '同一编号内容不同（409）',
  duplicate_in_batch: '同一批次编号重复',
  batch_too_large: '批次超过 100 条',
  payload_too_large: '请求体超过大小限制',
  not_in_sandbox: '仅限沙箱使用',
  not_found: '不存在',
}

/** Where a record came from: 微信小程序, or 平台上传：<the platform's name> (its code when the name is unknown). */
export function sourceText(source, platformName) {
  if (!source || source === 'miniprogram') return RECORD_SOURCE.miniprogram
  if (source.startsWith('platform:')) return '平台上传：' + (platformName || source.slice('platform:'.length))
  return source
}

/** The platform code of a record's `source` ("platform:<code>"), or null for the mini-program. */
export function sourcePlatformCode(source) {
  return source && source.startsWith('platform:') ? source.slice('platform:'.length) : null
}
