// A platform's figures after go-live (GET /platforms/{id}/figures), shaped for the page: the per-day uploads as
// stacked bars, the rejections by error code, and the shares. The API counts; this only arranges.
import { FLAG, PLATFORM_ERROR } from '../../labels'

const DAY_SERIES = [
  { key: 'created', name: '新建', color: '#67c23a' },
  { key: 'duplicates', name: '重复提交', color: '#909399' },
  { key: 'rejected', name: '被拒绝', color: '#f56c6c' },
]

function number(value) {
  return Number.isFinite(Number(value)) ? Number(value) : 0
}

/** The per-day rows: `{day, created, duplicates, rejected}` whatever the API calls its fields. */
export function dayRows(figures) {
  return (figures?.days || []).map((row) => ({
    day: row.day || row.date,
    created: number(row.created ?? row.uploads),
    duplicates: number(row.duplicates),
    rejected: number(row.rejected ?? row.rejections),
  }))
}

/** The stacked bars' axis (MM-DD) and series. */
export function daySeries(figures) {
  const rows = dayRows(figures)
  return {
    days: rows.map((row) => String(row.day).slice(5)),
    series: DAY_SERIES.map((one) => ({ name: one.name, color: one.color, values: rows.map((row) => row[one.key]) })),
  }
}

/** `[{code, name, count}]`, most frequent first, from `{code: n}` or `[{code, count}]`. */
export function rejectionRows(figures) {
  const raw = figures?.rejections_by_code ?? figures?.rejections ?? {}
  const rows = Array.isArray(raw)
    ? raw.map((row) => ({ code: row.code, count: number(row.count) }))
    : Object.entries(raw).map(([code, count]) => ({ code, count: number(count) }))
  return rows
    .filter((row) => row.count > 0)
    .map((row) => ({ ...row, name: PLATFORM_ERROR[row.code] || row.code }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code))
}

/** A share (0–1) as a percentage with one decimal, or — when there was nothing to share. */
export function percent(share) {
  if (share === null || share === undefined || Number.isNaN(Number(share))) return '—'
  return (Math.round(Number(share) * 1000) / 10).toFixed(1) + '%'
}

/** The flag rates as `[{code, name, share}]` in the flags' fixed order. */
export function flagRows(figures) {
  const rates = figures?.flag_rates || {}
  return ['distance', 'duration', 'overlap'].map((code) => ({ code, name: FLAG[code], share: rates[code] ?? null }))
}

export function totals(figures) {
  const rows = dayRows(figures)
  const sum = (key) => rows.reduce((total, row) => total + row[key], 0)
  return {
    created: figures?.totals?.created ?? sum('created'),
    duplicates: figures?.totals?.duplicates ?? sum('duplicates'),
    rejected: figures?.totals?.rejected ?? sum('rejected'),
  }
}
