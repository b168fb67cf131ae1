// The sign-off list's tabs and the deadline as people read it ("还剩 2 小时"). A default confirmation is a state of
// its own: nothing here ever calls it signed.

/**
 * The tabs of the sign-off list and the API query of each. "有异议" lists every open objection: the ones made
 * before the deadline (state `objected`) and the ones made after a default confirmation (which stays
 * `default_confirmed`, with `objection_open`).
 */
export const SIGNOFF_TABS = [
  { key: 'pending', label: '待签名', query: { state: 'pending' } },
  { key: 'signed', label: '已签名', query: { state: 'signed' } },
  { key: 'default_confirmed', label: '默认签名确认', query: { state: 'default_confirmed' }, objectionFilter: true },
  { key: 'objected', label: '有异议', query: { objection_open: true } },
  { key: 'objection_resolved', label: '异议已处理', query: { state: 'objection_resolved' } },
]

export const TAB_HINTS = {
  pending: '截止时间前仍可签名的记录，按截止时间排序。截止时仍未签名的，系统按规定默认签名确认。',
  signed: '使用单位安全管理人员已在小程序中签名确认的记录。',
  default_confirmed: '截止时未签名、由系统按规定默认签名确认的记录（不是签名）。安全管理人员可在异议期内提出异议。',
  objected: '尚未处理的异议：截止前提出的（代替签名），以及默认签名确认后提出的。',
  objection_resolved:
    '异议处理后，截止前提出异议的记录会重新开放签名（回到“待签名”，第 2 轮起），默认签名确认后的异议处理后记录仍为“默认签名确认”。此处只列出已处理、正在重新开放签名的记录。',
}

/** The tab a URL query names (unknown or missing: the first tab). */
export function tabOf(key) {
  return SIGNOFF_TABS.find((tab) => tab.key === key) || SIGNOFF_TABS[0]
}

/**
 * What to ask `GET /signoff/records` for: the tab's own query, and the objection filter where the tab has one
 * ('true' / 'false' from the select; anything else: no filter).
 */
export function signoffQuery(tabKey, objection = '') {
  const tab = tabOf(tabKey)
  const query = { ...tab.query }
  if (tab.objectionFilter && (objection === 'true' || objection === 'false')) query.objection_open = objection
  return query
}

const MINUTE = 60 * 1000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * How long until a deadline, in Chinese, rounded down (never promising more time than there is):
 * "还剩 35 分钟", "还剩 2 小时 10 分钟" (under 6 hours), "还剩 9 小时", "还剩 1 天 3 小时"; past it, "已过截止时间 2 小时".
 */
export function deadlineText(deadline, now = Date.now()) {
  const at = new Date(deadline).getTime()
  if (!deadline || Number.isNaN(at)) return '—'
  const left = at - now
  if (left <= 0) {
    const late = -left
    if (late < MINUTE) return '刚到截止时间'
    return '已过截止时间 ' + span(late)
  }
  if (left < MINUTE) return '还剩不到 1 分钟'
  return '还剩 ' + span(left)
}

function span(ms) {
  if (ms < HOUR) return Math.floor(ms / MINUTE) + ' 分钟'
  if (ms < 6 * HOUR) {
    const hours = Math.floor(ms / HOUR)
    const minutes = Math.floor((ms % HOUR) / MINUTE)
    return hours + ' 小时' + (minutes ? ' ' + minutes + ' 分钟' : '')
  }
  if (ms < DAY) return Math.floor(ms / HOUR) + ' 小时'
  const days = Math.floor(ms / DAY)
  const hours = Math.floor((ms % DAY) / HOUR)
  return days + ' 天' + (hours ? ' ' + hours + ' 小时' : '')
}

/** How urgent a pending deadline is, as an Element Plus tag type: under 1 hour danger, under 3 hours warning. */
export function deadlineUrgency(deadline, now = Date.now()) {
  const left = new Date(deadline).getTime() - now
  if (Number.isNaN(left)) return 'info'
  if (left < HOUR) return 'danger'
  if (left < 3 * HOUR) return 'warning'
  return 'info'
}

/**
 * One line on where a sign-off stands, for the list and the detail. A default confirmation reads as what it is
 * ("截止时未签名，系统默认签名确认"), never as a signature.
 */
export function outcomeText(signoff, now = Date.now()) {
  switch (signoff.state) {
    case 'pending':
      return deadlineText(signoff.deadline_at, now)
    case 'signed':
      return '已签名'
    case 'default_confirmed':
      return signoff.objection_open ? '默认签名确认后提出异议，待处理' : '截止时未签名，系统默认签名确认'
    case 'objected':
      return '截止前提出异议，待处理'
    case 'objection_resolved':
      return '异议已处理，即将重新开放签名'
    default:
      return signoff.state || '—'
  }
}
