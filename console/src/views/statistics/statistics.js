// The statistics screens' logic, kept out of the components: periods, the request parameters, how a figure is
// written, where a figure drills to. The indicators' names, units and definitions are the API's; nothing here
// decides what an indicator means.
import { shanghaiDay } from '../../labels'

/** Who sees which statistics (the API decides; the console only offers what it would answer). */
export const STATS_ROLES = ['regulator', 'platform_operator', 'mu_admin']
/** Roles that may rank units against each other (a unit admin sees only their own unit: no rankings). */
export const RANKING_ROLES = ['regulator', 'platform_operator']

/** The home figures, in this order (the API names them). Sign-off outcomes stay side by side, never merged. */
export const HOME_INDICATORS = [
  'elevators_in_use',
  'overdue_now',
  'overdue_unexcused',
  'on_time_rate',
  'signed_rate',
  'default_confirmed_rate',
  'same_day_upload_rate',
  'elevator_coverage',
]
/** The table's default columns. */
export const TABLE_INDICATORS = [
  'elevators_in_use',
  'elevator_coverage',
  'unit_coverage',
  'on_time_rate',
  'overdue_now',
  'overdue_unexcused',
  'overdue_excused',
  'overdue_rate',
  'same_day_upload_rate',
  'signed_rate',
  'default_confirmed_rate',
  'objected_rate',
  'pending_rate',
  'median_sign_minutes',
  'onsite_verified_rate',
  'workload',
  'hazards_reported',
]
export const RANKINGS = [
  { indicator: 'overdue_unexcused', order: 'desc' },
  { indicator: 'default_confirmed_rate', order: 'desc' },
  { indicator: 'on_time_rate', order: 'asc' },
]
export const GROUP_BY = {
  district: '按区',
  maintenance_unit: '按维保单位',
  use_unit: '按使用单位',
  platform: '按来源',
  month: '按月',
}
export const KIND_TEXT = { count: '计数', rate: '比率', median: '中位数', ratio: '比值' }

/** The table's groupings for a role: a district regulator has one district, a unit admin one unit. */
export function groupingsFor(account) {
  const role = account?.role
  if (role === 'mu_admin') return ['use_unit', 'district', 'month']
  if (role === 'regulator' && account.district) return ['maintenance_unit', 'use_unit', 'platform', 'month']
  return ['district', 'maintenance_unit', 'use_unit', 'platform', 'month']
}

function pad(number) {
  return String(number).padStart(2, '0')
}

/** The last day (YYYY-MM-DD) of the month `YYYY-MM`. */
export function monthEnd(month) {
  const [year, m] = month.split('-').map(Number)
  const last = new Date(Date.UTC(year, m, 0)).getUTCDate()
  return `${month}-${pad(last)}`
}

/** `YYYY-MM` `count` months before `month`. */
export function shiftMonth(month, count) {
  const [year, m] = month.split('-').map(Number)
  const date = new Date(Date.UTC(year, m - 1 - count, 1))
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}`
}

/**
 * The period a picker state means, as the API's `from`/`to` (inclusive Shanghai days). `{mode: 'month', month}`
 * runs from the 1st to the month's end, or to today for the current month (the API refuses the future);
 * `{mode: 'range', from, to}` is taken as given (the API judges it).
 */
export function periodRange(period, today = shanghaiDay()) {
  if (period.mode === 'range') return { from: period.from, to: period.to }
  const end = monthEnd(period.month)
  return { from: period.month + '-01', to: end > today ? today : end }
}

/** A period from a route's query (`month=YYYY-MM` or `from`/`to`), the current month by default. */
export function periodFromQuery(query, today = shanghaiDay()) {
  const day = /^\d{4}-\d{2}-\d{2}$/
  if (day.test(query.from || '') && day.test(query.to || '')) return { mode: 'range', from: query.from, to: query.to }
  const month = /^\d{4}-\d{2}$/.test(query.month || '') ? query.month : today.slice(0, 7)
  return { mode: 'month', month }
}

/** The route query of a period (the inverse of periodFromQuery). */
export function periodQuery(period) {
  return period.mode === 'range' ? { from: period.from, to: period.to } : { month: period.month }
}

/** How a period is written above the figures. */
export function periodText(period, today = shanghaiDay()) {
  const { from, to } = periodRange(period, today)
  if (period.mode === 'month') {
    const [year, month] = period.month.split('-')
    const whole = to === monthEnd(period.month)
    return `${year} 年 ${Number(month)} 月` + (whole ? '' : `（截至 ${to}）`)
  }
  return `${from} 至 ${to}`
}

/** The scope filters of a screen's query that the API takes as they are. */
export const SCOPE_KEYS = ['district', 'maintenance_unit_id', 'use_unit_id', 'platform']

export function scopeFilters(query) {
  const out = {}
  for (const key of SCOPE_KEYS) if (query[key]) out[key] = String(query[key])
  return out
}

/** The API parameters of a screen: its period and scope filters, plus `extra`. */
export function statsQuery(period, filters = {}, extra = {}, today = shanghaiDay()) {
  return { ...periodRange(period, today), ...scopeFilters(filters), ...extra }
}

function trim(number, digits) {
  return String(Number(number.toFixed(digits)))
}

/** A figure as written: rates (which the API gives in per cent) with one decimal and %, medians whole, ratios
 * with one decimal, counts as they are; a figure the API has none for (null: no denominator) is a dash, never a
 * zero. */
export function formatValue(value, indicator) {
  if (value === null || value === undefined) return '—'
  const kind = indicator?.kind
  if (kind === 'rate') return trim(value, 1) + '%'
  if (kind === 'ratio') return trim(value, 1)
  if (kind === 'median') return trim(value, 0)
  return String(value)
}

/** The unit written after a figure (none for a rate, which carries its %). */
export function unitOf(indicator) {
  if (!indicator || indicator.kind === 'rate') return ''
  return indicator.unit || ''
}

/** "37 / 120" under a rate or ratio: what the figure was computed from. */
export function fractionText(cell) {
  if (!cell || cell.numerator === null || cell.numerator === undefined) return ''
  if (cell.denominator === null || cell.denominator === undefined) return ''
  return `${cell.numerator} / ${cell.denominator}`
}

/** A chart's value: the API's figure (rates already in per cent), one decimal; no figure stays a gap. */
export function chartValue(value) {
  if (value === null || value === undefined) return null
  return Number(Number(value).toFixed(1))
}

/** The filter a table row or ranking row stands for, to drill into it (a row of `group_by`). */
export function rowFilter(groupBy, key) {
  if (groupBy === 'district') return { district: key }
  if (groupBy === 'maintenance_unit') return { maintenance_unit_id: key }
  if (groupBy === 'use_unit') return { use_unit_id: key }
  if (groupBy === 'platform') return { platform: key }
  return {}
}

/** The period of a monthly or daily row/point (`2026-11`, `2026-11-03`) as a picker state. */
export function rowPeriod(groupBy, key, fallback) {
  if (groupBy === 'month' && /^\d{4}-\d{2}$/.test(key)) return { mode: 'month', month: key }
  if (groupBy === 'day' && /^\d{4}-\d{2}-\d{2}$/.test(key)) return { mode: 'range', from: key, to: key }
  return fallback
}

/** The parts of a figure the API lists (STATS.md): a count its numerator, a median the records it is the median
 * of (its denominator), a rate or ratio both. */
export function drillParts(indicator) {
  if (!indicator?.drill) return []
  if (indicator.kind === 'count') return ['numerator']
  if (indicator.kind === 'median') return ['denominator']
  return ['numerator', 'denominator']
}

/** Whether a figure can be opened: the indicator has a drill-down and the part it opens has something to list. */
export function drillable(indicator, cell) {
  const [part] = drillParts(indicator)
  if (!part || !cell) return false
  const size = cell[part]
  return size !== null && size !== undefined ? size > 0 : Number(cell.value) > 0
}

/** The drill-down screen's route for a figure: the indicator, the part it opens, its period and filters. */
export function drillRoute(code, period, filters = {}, part = 'numerator') {
  return { name: 'statistics-drill', query: { indicator: code, part, ...periodQuery(period), ...scopeFilters(filters) } }
}

/** The route of a figure's own drill-down (its first listable part). */
export function figureRoute(indicator, period, filters = {}) {
  return drillRoute(indicator.code, period, filters, drillParts(indicator)[0] || 'numerator')
}

/** The API has record figures by platform, not elevator ones (registry, overdue, coverage, workload: their items
 * are elevators or units, which come from no platform; route shares are shares across platforms): with a
 * platform grouping or filter, the table asks for the record figures only. */
export function codesFor(codes, list, groupBy, filters = {}) {
  if (groupBy !== 'platform' && !filters.platform) return codes
  const defined = byCode(list)
  return codes.filter((code) => defined[code]?.drill === 'records' && !code.startsWith('route_share:'))
}

/** The screen a drilled item opens: a record's or an elevator's existing detail screen. */
export function itemRoute(kind, item) {
  if (kind === 'records') return { name: 'record', params: { id: String(item.id) } }
  if (kind === 'elevators') return { name: 'elevator', params: { id: String(item.id) } }
  return null
}

/** Indicators by code, for the names and kinds the screens show. */
export function byCode(list) {
  return Object.fromEntries((list || []).map((indicator) => [indicator.code, indicator]))
}

/** The codes of `wanted` that the API defines, in the order wanted (an unknown code is left out, not guessed). */
export function known(wanted, list) {
  const codes = new Set((list || []).map((indicator) => indicator.code))
  return wanted.filter((code) => codes.has(code))
}

/** The indicators' select groups for the series and ranking pickers: the API's list, grouped by kind. */
export function indicatorOptions(list, { rankable = false } = {}) {
  const groups = {}
  for (const indicator of list || []) {
    if (rankable && indicator.kind === 'median') continue
    ;(groups[indicator.kind] ||= []).push({ value: indicator.code, label: indicator.name })
  }
  return Object.entries(groups).map(([kind, options]) => ({ label: KIND_TEXT[kind] || kind, options }))
}

/** The series' default span: twelve months to `today` by month, the last 31 days by day. */
export function seriesRange(granularity, today = shanghaiDay()) {
  if (granularity === 'day') {
    const start = new Date(today + 'T00:00:00Z')
    start.setUTCDate(start.getUTCDate() - 30)
    return { from: start.toISOString().slice(0, 10), to: today }
  }
  return { from: shiftMonth(today.slice(0, 7), 11) + '-01', to: today }
}
