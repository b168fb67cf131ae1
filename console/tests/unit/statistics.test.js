import { describe, expect, it } from 'vitest'

import { statsExportUrl } from '../../src/api/statistics'
import { lineOption, rankingOption } from '../../src/charts/options'
import {
  chartValue,
  codesFor,
  drillParts,
  drillRoute,
  drillable,
  figureRoute,
  formatValue,
  fractionText,
  groupingsFor,
  indicatorOptions,
  itemRoute,
  known,
  monthEnd,
  periodFromQuery,
  periodQuery,
  periodRange,
  periodText,
  rowFilter,
  rowPeriod,
  scopeFilters,
  seriesRange,
  shiftMonth,
  statsQuery,
  unitOf,
} from '../../src/views/statistics/statistics'

const RATE = { code: 'on_time_rate', name: '按时维保率', kind: 'rate', unit: '%', drill: 'records' }
const COUNT = { code: 'overdue_now', name: '当前超期未维保数', kind: 'count', unit: '台', drill: 'elevators' }
const MEDIAN = { code: 'median_sign_minutes', name: '中位时长', kind: 'median', unit: '分钟', drill: 'records' }
const RATIO = { code: 'workload', name: '人均维保台数', kind: 'ratio', unit: '台/人', drill: null }

describe('periods', () => {
  it('runs a month from its first day to its last, or to today for the current month', () => {
    expect(periodRange({ mode: 'month', month: '2026-11' }, '2026-12-03')).toEqual({ from: '2026-11-01', to: '2026-11-30' })
    expect(periodRange({ mode: 'month', month: '2026-12' }, '2026-12-03')).toEqual({ from: '2026-12-01', to: '2026-12-03' })
    expect(periodRange({ mode: 'month', month: '2024-02' }, '2026-12-03')).toEqual({ from: '2024-02-01', to: '2024-02-29' })
    expect(periodRange({ mode: 'range', from: '2026-10-05', to: '2026-11-04' })).toEqual({ from: '2026-10-05', to: '2026-11-04' })
  })

  it('knows month ends and shifts months across a year boundary', () => {
    expect(monthEnd('2025-02')).toBe('2025-02-28')
    expect(monthEnd('2026-12')).toBe('2026-12-31')
    expect(shiftMonth('2026-01', 1)).toBe('2025-12')
    expect(shiftMonth('2026-12', 11)).toBe('2026-01')
  })

  it('reads a period from the URL and writes it back, defaulting to the current month', () => {
    expect(periodFromQuery({}, '2026-12-03')).toEqual({ mode: 'month', month: '2026-12' })
    expect(periodFromQuery({ month: '2026-09' }, '2026-12-03')).toEqual({ mode: 'month', month: '2026-09' })
    expect(periodFromQuery({ month: 'junk' }, '2026-12-03')).toEqual({ mode: 'month', month: '2026-12' })
    const range = periodFromQuery({ from: '2026-10-01', to: '2026-10-15', month: '2026-09' }, '2026-12-03')
    expect(range).toEqual({ mode: 'range', from: '2026-10-01', to: '2026-10-15' })
    expect(periodQuery(range)).toEqual({ from: '2026-10-01', to: '2026-10-15' })
    expect(periodQuery({ mode: 'month', month: '2026-09' })).toEqual({ month: '2026-09' })
  })

  it('writes the period in Chinese, saying when the month is not over', () => {
    expect(periodText({ mode: 'month', month: '2026-11' }, '2026-12-03')).toBe('2026 年 11 月')
    expect(periodText({ mode: 'month', month: '2026-12' }, '2026-12-03')).toBe('2026 年 12 月（截至 2026-12-03）')
    expect(periodText({ mode: 'range', from: '2026-10-01', to: '2026-10-15' })).toBe('2026-10-01 至 2026-10-15')
  })

  it('spans twelve months by month and 31 days by day for the series', () => {
    expect(seriesRange('month', '2026-12-03')).toEqual({ from: '2026-01-01', to: '2026-12-03' })
    expect(seriesRange('day', '2026-03-01')).toEqual({ from: '2026-01-30', to: '2026-03-01' })
  })
})

describe('request parameters', () => {
  it('passes only the scope filters the API takes, beside the period', () => {
    expect(scopeFilters({ district: '天河区', group_by: 'month', label_district: 'x', maintenance_unit_id: 7 })).toEqual({
      district: '天河区',
      maintenance_unit_id: '7',
    })
    expect(statsQuery({ mode: 'month', month: '2026-11' }, { platform: 'suiyun', pages: 'x' }, { group_by: 'district' }, '2026-12-03'))
      .toEqual({ from: '2026-11-01', to: '2026-11-30', platform: 'suiyun', group_by: 'district' })
  })

  it('offers each role the groupings its scope has', () => {
    expect(groupingsFor({ role: 'regulator', district: null })[0]).toBe('district')
    expect(groupingsFor({ role: 'regulator', district: '天河区' })).not.toContain('district')
    expect(groupingsFor({ role: 'mu_admin' })).not.toContain('maintenance_unit')
    expect(groupingsFor({ role: 'platform_operator' })).toContain('platform')
  })

  it('builds the export links from the same parameters', () => {
    const url = statsExportUrl('table', 'csv', { from: '2026-11-01', to: '2026-11-30', district: '天河区', empty: '' })
    expect(url).toBe('/api/v1/exports/stats/table.csv?from=2026-11-01&to=2026-11-30&district=%E5%A4%A9%E6%B2%B3%E5%8C%BA')
  })
})

describe('figures', () => {
  it('writes rates in per cent, medians and ratios plainly, and no figure as a dash, never a zero', () => {
    expect(formatValue(85.71, RATE)).toBe('85.7%')
    expect(formatValue(100, RATE)).toBe('100%')
    expect(formatValue(0, RATE)).toBe('0%')
    expect(formatValue(37, COUNT)).toBe('37')
    expect(formatValue(42.5, MEDIAN)).toBe('43')
    expect(formatValue(6.6667, RATIO)).toBe('6.7')
    expect(formatValue(null, RATE)).toBe('—')
    expect(formatValue(undefined, COUNT)).toBe('—')
    expect(unitOf(RATE)).toBe('')
    expect(unitOf(COUNT)).toBe('台')
  })

  it('says what a figure was computed from', () => {
    expect(fractionText({ value: 0.5, numerator: 3, denominator: 6 })).toBe('3 / 6')
    expect(fractionText({ value: 3, numerator: null, denominator: null })).toBe('')
    expect(fractionText(undefined)).toBe('')
  })

  it('charts the API figures (rates already in per cent) and leaves gaps as gaps', () => {
    expect(chartValue(33.33)).toBe(33.3)
    expect(chartValue(12)).toBe(12)
    expect(chartValue(null)).toBeNull()
    const option = lineOption([{ name: '2026-10', value: 50 }, { name: '2026-11', value: null }], { unit: '%' })
    expect(option.series[0].data.map((point) => point.value)).toEqual([50, null])
    expect(option.title).toBeUndefined()
    expect(lineOption([{ name: '2026-10', value: null }], { emptyText: '无' }).title.text).toBe('无')
  })

  it('draws a ranking first at the top', () => {
    const option = rankingOption([{ name: 'A', value: 3 }, { name: 'B', value: 1 }])
    expect(option.yAxis.data).toEqual(['B', 'A'])
  })
})

describe('drill-down', () => {
  it('opens a figure that has something to list', () => {
    expect(drillable(COUNT, { value: 3, numerator: 3, denominator: null })).toBe(true)
    expect(drillable(COUNT, { value: 0, numerator: 0, denominator: null })).toBe(false)
    expect(drillable(RATE, { value: null, numerator: 0, denominator: 0 })).toBe(false)
    expect(drillable(RATIO, { value: 5, numerator: 10, denominator: 2 })).toBe(false)
    expect(drillable(COUNT, { value: 2, numerator: null })).toBe(true)
    // A median opens the records it is the median of (its denominator); a ratio without a drill-down, nothing.
    expect(drillable(MEDIAN, { value: 40, numerator: null, denominator: 12 })).toBe(true)
    expect(drillable(MEDIAN, { value: null, numerator: null, denominator: 0 })).toBe(false)
  })

  it('opens the part the API lists: a count its numerator, a median its denominator, a rate either', () => {
    expect(drillParts(COUNT)).toEqual(['numerator'])
    expect(drillParts(MEDIAN)).toEqual(['denominator'])
    expect(drillParts(RATE)).toEqual(['numerator', 'denominator'])
    expect(drillParts(RATIO)).toEqual([])
    expect(figureRoute(MEDIAN, { mode: 'month', month: '2026-11' }).query.part).toBe('denominator')
    expect(figureRoute(COUNT, { mode: 'month', month: '2026-11' }).query.part).toBe('numerator')
  })

  it('carries the indicator, the period and the row into the drill-down', () => {
    const route = drillRoute('overdue_unexcused', { mode: 'month', month: '2026-11' }, { district: '天河区', group_by: 'x' })
    expect(route).toEqual({
      name: 'statistics-drill',
      query: { indicator: 'overdue_unexcused', part: 'numerator', month: '2026-11', district: '天河区' },
    })
    expect(rowFilter('maintenance_unit', '12')).toEqual({ maintenance_unit_id: '12' })
    expect(rowFilter('platform', 'miniprogram')).toEqual({ platform: 'miniprogram' })
    expect(rowFilter('month', '2026-11')).toEqual({})
    const fallback = { mode: 'month', month: '2026-12' }
    expect(rowPeriod('month', '2026-10', fallback)).toEqual({ mode: 'month', month: '2026-10' })
    expect(rowPeriod('day', '2026-10-03', fallback)).toEqual({ mode: 'range', from: '2026-10-03', to: '2026-10-03' })
    expect(rowPeriod('district', '天河区', fallback)).toBe(fallback)
  })

  it('opens a record or an elevator on its existing screen', () => {
    expect(itemRoute('records', { id: 5, elevator_id: 3 })).toEqual({ name: 'record', params: { id: '5' } })
    expect(itemRoute('elevators', { id: 9 })).toEqual({ name: 'elevator', params: { id: '9' } })
    expect(itemRoute('maintenance_units', { id: 1 })).toBeNull()
  })
})

describe('indicators from the API', () => {
  it('keeps only the codes the API defines, in the screen order', () => {
    expect(known(['on_time_rate', 'nonexistent', 'overdue_now'], [COUNT, RATE])).toEqual(['on_time_rate', 'overdue_now'])
  })

  it('asks for record figures only by platform (elevator figures have no platform)', () => {
    const list = [RATE, COUNT, MEDIAN, { code: 'route_share:miniprogram', kind: 'rate', drill: 'records' }]
    const codes = ['on_time_rate', 'overdue_now', 'median_sign_minutes', 'route_share:miniprogram']
    expect(codesFor(codes, list, 'district', {})).toEqual(codes)
    expect(codesFor(codes, list, 'platform', {})).toEqual(['on_time_rate', 'median_sign_minutes'])
    expect(codesFor(codes, list, 'month', { platform: 'suiyun' })).toEqual(['on_time_rate', 'median_sign_minutes'])
  })

  it('groups the pickers by kind, without medians for rankings', () => {
    const groups = indicatorOptions([RATE, COUNT, MEDIAN])
    expect(groups.map((group) => group.label)).toEqual(['比率', '计数', '中位数'])
    expect(indicatorOptions([RATE, MEDIAN], { rankable: true }).map((group) => group.label)).toEqual(['比率'])
  })
})
