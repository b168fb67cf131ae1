// The logic of the rules screens (consent, paperless approval, regulator notices), kept out of the components so
// vitest checks it.

export const PAPERLESS_TEXT = '已停止使用纸质维保记录'
export const PAPERLESS_STATUS = { pending: '待审核', approved: '已批准', rejected: '已驳回', withdrawn: '已撤销' }
export const PAPERLESS_STATUS_TAG = { pending: 'warning', approved: 'success', rejected: 'danger', withdrawn: 'info' }
export const PAPERLESS_EVENT = { applied: '提交申请', approved: '批准', rejected: '驳回', withdrawn: '撤销批准' }
export const NOTICE_KIND = { rectification: '整改意见', suspension: '中止意见' }
export const NOTICE_KIND_TAG = { rectification: 'warning', suspension: 'danger' }
export const NOTICE_STATUS = {
  issued: '已下达',
  acknowledged: '已签收',
  replied: '已回复',
  closed: '已关闭',
  escalated: '已升级为中止意见',
}
export const NOTICE_EVENT = { issued: '下达', acknowledged: '签收', replied: '回复', closed: '关闭', escalated: '升级' }
const OPEN = ['issued', 'acknowledged', 'replied']

/** A city-scope regulator (no district): the one who decides paperless applications. */
export function isCityRegulator(account) {
  return account?.role === 'regulator' && !account.district
}

/** What the consent screen says of a unit's consent state (GET /use-units/{id}/consent). */
export function consentSummary(state) {
  if (!state) return { tone: 'info', text: '加载中…' }
  if (state.consented) return { tone: 'success', text: '本单位已同意现行第 ' + state.current_version + ' 版规则' }
  if (state.consent)
    return {
      tone: 'warning',
      text: '规则已更新为第 ' + state.current_version + ' 版，本单位此前同意的是第 ' + state.consent.rule_version + ' 版，请重新阅读并同意',
    }
  return {
    tone: 'error',
    text: '本单位尚未同意默认签名确认规则：超期未签名的维保记录不会默认确认，安全管理人员也不能绑定',
  }
}

/** The actions open to `account` on a paperless application. */
export function applicationActions(application, account) {
  if (!isCityRegulator(account)) return []
  if (application.status === 'pending') return ['approve', 'reject']
  if (application.status === 'approved') return ['withdraw']
  return []
}

/** A figure of the application as shown: rates (percentages, as miniback.statistics gives them) with one decimal,
 * missing figures as —. */
export function figureText(key, value) {
  if (value === null || value === undefined) return '—'
  if (key.endsWith('_rate') || key.endsWith('_share')) return Number(value).toFixed(1) + '%'
  if (key.endsWith('_days')) return value + ' 天'
  return String(value)
}

export const FIGURES = [
  ['same_day_upload_days', '当日上传天数'],
  ['same_day_upload_rate', '当日上传率'],
  ['on_time_rate', '按时维保率'],
  ['default_confirmed_share', '默认签名确认占比'],
]

/** The actions open to `account` on a notice: the addressee acknowledges and replies; a regulator closes or
 * escalates (a rectification only). */
export function noticeActions(notice, account) {
  if (!OPEN.includes(notice.status)) return []
  if (account?.role === 'mu_admin' && account.maintenance_unit_id === notice.maintenance_unit_id)
    return notice.status === 'issued' ? ['acknowledge'] : ['reply']
  if (account?.role === 'regulator') return notice.kind === 'rectification' ? ['close', 'escalate'] : ['close']
  return []
}

/** Ids typed as "12, 15 18" → [12, 15, 18]; anything else is an error message. */
export function parseIds(text) {
  const parts = (text || '').split(/[\s,，、]+/).filter(Boolean)
  const ids = parts.map((part) => Number(part))
  if (ids.some((id) => !Number.isInteger(id) || id <= 0)) return { error: '请填写编号，用逗号或空格分隔' }
  return { ids: [...new Set(ids)] }
}

/** The notice form's own checks before it is sent (the API checks again). */
export function noticeFormErrors(form, now = new Date()) {
  const errors = {}
  if (!form.maintenance_unit_id) errors.maintenance_unit_id = '请填写维保单位编号'
  if (!form.findings?.trim()) errors.findings = '请填写发现的问题'
  if (!form.deadline_at) errors.deadline_at = '请选择整改期限'
  else if (new Date(form.deadline_at) <= now) errors.deadline_at = '整改期限必须晚于当前时间'
  for (const key of ['record_ids', 'elevator_ids']) {
    const parsed = parseIds(form[key + '_text'])
    if (parsed.error) errors[key] = parsed.error
  }
  return errors
}
