// A platform's figures after go-live (GET /platforms/{id}/figures: one row per Asia/Shanghai day), shaped for the
// page: the per-day uploads as stacked bars, the period's rejections by error code, and the period's shares. The
// API counts; this only adds the days up (a day's share × its uploads is that day's count again).
import { FLAG, PLATFORM_ERROR } from '../../labels'

const DAY_SERIES = [
  { key: 'uploads', name: '上传成功', color: '#67c23a' },
  { key: 'duplicates', name: '重复提交', color: '#909399' },
  { key: 'rejected', name: '被拒绝', color: '#f56c6c' },
]
const FLAGS = ['distance', 'duration', 'overlap', 'any']

function number(value) {
  return Number.isFinite(Number(value)) ? Number(value) : 0
}

function days(figures) {
  return figures?.days || []
}

/** The stacked bars' axis (MM-DD) and series. */
export function daySeries(figures) {
  const rows = days(figures)
  return {
    days: rows.map((row) => String(row.day).slice(5)),
    series: DAY_SERIES.map((one) => ({ name: one.name, color: one.color, values: rows.map((row) => number(row[one.key])) })),
  }
}

/** The period's rejections `[{code, name, count}]`, most frequent first. */
export function rejectionRows(figures) {
  const counts = {}
  for (const row of days(figures)) {
    for (const [code, count] of Object.entries(row.rejections || {})) counts[code] = (counts[code] || 0) + number(count)
  }
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([code, count]) => ({ code, count, name: PLATFORM_ERROR[code] || code }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code))
}

/** The period's share of uploads with `pick(row)` (a day's share), or null when nothing was uploaded. */
function periodShare(rows, pick) {
  let uploads = 0
  let count = 0
  for (const row of rows) {
    const dayUploads = number(row.uploads)
    const share = pick(row)
    if (!dayUploads || share === null || share === undefined) continue
    uploads += dayUploads
    count += Math.round(Number(share) * dayUploads)
  }
  return uploads ? count / uploads : null
}

/** The period's sums and shares. */
export function totals(figures) {
  const rows = days(figures)
  const sum = (key) => rows.reduce((total, row) => total + number(row[key]), 0)
  return {
    uploads: sum('uploads'),
    delayNotices: sum('delay_notices'),
    duplicates: sum('duplicates'),
    rejected: sum('rejected'),
    callbacksDelivered: sum('callbacks_delivered'),
    callbackFailures: sum('callback_failures'),
    callbacksFailed: sum('callbacks_failed'),
    lateShare: periodShare(rows, (row) => row.late_upload_share),
  }
}

/** The period's flag rates `[{code, name, share}]` in the flags' fixed order (any: with one flag at least). */
export function flagRows(figures) {
  const rows = days(figures)
  return FLAGS.map((code) => ({
    code,
    name: code === 'any' ? '任一异常标记' : FLAG[code],
    share: periodShare(rows, (row) => row.flag_rates?.[code]),
  }))
}

/** A share (0–1) as a percentage with one decimal, or — when there was nothing to share. */
export function percent(share) {
  if (share === null || share === undefined || Number.isNaN(Number(share))) return '—'
  return (Math.round(Number(share) * 1000) / 10).toFixed(1) + '%'
}

/** Why the figures could not be read: the API's field messages (a period over 92 days) or its message. */
export function failureText(error) {
  const fields = Object.values(error?.fields || {})
  return fields.length ? fields.join('；') : error?.message || ''
}
