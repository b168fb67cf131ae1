import { afterEach, describe, expect, it, vi } from 'vitest'

import { elevatorsBy, listTotal, overdueFigures, recordsBetween, signoffSplit } from '../../src/api/dashboard'
import { barOption, pieOption } from '../../src/charts/options'
import { shanghaiDay, shanghaiWeekStart } from '../../src/labels'

function answer(pages) {
  globalThis.fetch = vi.fn(async (url) => {
    const parsed = new URL(url, 'http://console.test')
    const body = pages(parsed.pathname.replace('/api/v1', ''), Object.fromEntries(parsed.searchParams))
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
  return globalThis.fetch
}

describe('dashboard figures come from the list endpoints’ totals', () => {
  afterEach(() => vi.restoreAllMocks())

  it('asks for one item and reads total', async () => {
    const fetch = answer(() => ({ items: [{}], page: 1, per_page: 1, total: 42 }))
    expect(await listTotal('/elevators', { district: '天河区' })).toBe(42)
    expect(fetch.mock.calls[0][0]).toBe('/api/v1/elevators?district=%E5%A4%A9%E6%B2%B3%E5%8C%BA&page=1&per_page=1')
  })

  it('splits sign-offs by state and counts open objections', async () => {
    const totals = { signed: 7, default_confirmed: 2, objected: 1, objection_resolved: 0, pending: 3 }
    answer((path, query) => ({ items: [], total: query.objection_open ? 4 : totals[query.state] }))
    expect(await signoffSplit()).toEqual({ byState: totals, objectionOpen: 4 })
  })

  it('counts overdue elevators and those a delay notice covers', async () => {
    answer((path, query) => ({ items: [], total: query.excused === 'true' ? 2 : 9 }))
    expect(await overdueFigures()).toEqual({ all: 9, excused: 2, unexcused: 7 })
  })

  it('counts elevators per district in the order asked', async () => {
    answer((path, query) => ({ items: [], total: query.district === '海珠区' ? 5 : 1 }))
    expect(await elevatorsBy('district', ['天河区', '海珠区'])).toEqual([
      { value: '天河区', total: 1 },
      { value: '海珠区', total: 5 },
    ])
  })

  it('counts one page of records and says when there are more', async () => {
    answer(() => ({ items: [{}, {}, {}], next_cursor: 'abc' }))
    expect(await recordsBetween('2026-12-01', '2026-12-03', 3)).toEqual({ count: 3, more: true })
    answer(() => ({ items: [{}], next_cursor: null }))
    expect(await recordsBetween('2026-12-01', '2026-12-03', 3)).toEqual({ count: 1, more: false })
  })
})

describe('Beijing days', () => {
  it('are the calendar day in Asia/Shanghai, and weeks start on Monday', () => {
    // 2026-12-03 17:30 UTC is already Friday 2026-12-04 in Beijing.
    const late = new Date('2026-12-03T17:30:00Z')
    expect(shanghaiDay(late)).toBe('2026-12-04')
    expect(shanghaiWeekStart(late)).toBe('2026-11-30')
    expect(shanghaiWeekStart(new Date('2026-11-30T01:00:00Z'))).toBe('2026-11-30')
    expect(shanghaiWeekStart(new Date('2026-12-06T15:00:00Z'))).toBe('2026-11-30') // Sunday 23:00
  })
})

describe('chart options', () => {
  it('leave out empty slices, and say so when nothing is left', () => {
    const option = pieOption([
      { name: '已签名确认', value: 2, color: '#67c23a' },
      { name: '有异议', value: 0, color: '#f56c6c' },
    ])
    expect(option.series[0].data).toEqual([{ name: '已签名确认', value: 2, itemStyle: { color: '#67c23a' } }])
    expect(option.title).toBeUndefined()
    expect(pieOption([{ name: '有异议', value: 0 }], { emptyText: '暂无维保记录' }).title.text).toBe('暂无维保记录')
  })

  it('draw every bar, zeros included, with its name', () => {
    const option = barOption([
      { name: '天河区', value: 3 },
      { name: '海珠区', value: 0 },
    ])
    expect(option.xAxis.data).toEqual(['天河区', '海珠区'])
    expect(option.series[0].data).toEqual([
      { name: '天河区', value: 3 },
      { name: '海珠区', value: 0 },
    ])
    expect(barOption([{ name: '天河区', value: 0 }]).title.text).toBe('暂无数据')
  })
})
