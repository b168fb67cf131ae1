import { describe, expect, it } from 'vitest'

import { SIGNOFF_STATE } from '../../src/labels'
import { SIGNOFF_TABS, deadlineText, deadlineUrgency, outcomeText, signoffQuery, tabOf } from '../../src/views/signoff/signoffText'

const NOW = Date.parse('2026-12-03T08:00:00Z')
const at = (ms) => new Date(NOW + ms).toISOString()
const MIN = 60 * 1000
const HOUR = 60 * MIN

describe('deadline text', () => {
  it('counts down in minutes, hours and days, rounding down', () => {
    expect(deadlineText(at(2 * HOUR), NOW)).toBe('还剩 2 小时')
    expect(deadlineText(at(2 * HOUR + 10 * MIN + 59 * 1000), NOW)).toBe('还剩 2 小时 10 分钟')
    expect(deadlineText(at(35 * MIN + 30 * 1000), NOW)).toBe('还剩 35 分钟')
    expect(deadlineText(at(30 * 1000), NOW)).toBe('还剩不到 1 分钟')
    expect(deadlineText(at(9 * HOUR + 40 * MIN), NOW)).toBe('还剩 9 小时')
    expect(deadlineText(at(27 * HOUR), NOW)).toBe('还剩 1 天 3 小时')
    expect(deadlineText(at(48 * HOUR), NOW)).toBe('还剩 2 天')
  })

  it('says how long ago a passed deadline was', () => {
    expect(deadlineText(at(-2 * HOUR), NOW)).toBe('已过截止时间 2 小时')
    expect(deadlineText(at(-10 * 1000), NOW)).toBe('刚到截止时间')
    expect(deadlineText(at(0), NOW)).toBe('刚到截止时间')
  })

  it('shows a dash for a missing or broken time', () => {
    expect(deadlineText(null, NOW)).toBe('—')
    expect(deadlineText('not a time', NOW)).toBe('—')
  })

  it('marks the last hour as urgent and the last three as a warning', () => {
    expect(deadlineUrgency(at(30 * MIN), NOW)).toBe('danger')
    expect(deadlineUrgency(at(2 * HOUR), NOW)).toBe('warning')
    expect(deadlineUrgency(at(5 * HOUR), NOW)).toBe('info')
  })
})

describe('state tabs', () => {
  it('has the five tabs in order, each asking the API for its own rows', () => {
    expect(SIGNOFF_TABS.map((tab) => tab.label)).toEqual(['待签名', '已签名', '默认签名确认', '有异议', '异议已处理'])
    expect(signoffQuery('pending')).toEqual({ state: 'pending' })
    expect(signoffQuery('signed')).toEqual({ state: 'signed' })
    expect(signoffQuery('objection_resolved')).toEqual({ state: 'objection_resolved' })
  })

  it('lists every open objection under 有异议, whether made before the deadline or after a default confirmation', () => {
    expect(signoffQuery('objected')).toEqual({ objection_open: true })
  })

  it('applies the objection filter only where it means something', () => {
    expect(signoffQuery('default_confirmed', 'true')).toEqual({ state: 'default_confirmed', objection_open: 'true' })
    expect(signoffQuery('default_confirmed', 'false')).toEqual({ state: 'default_confirmed', objection_open: 'false' })
    expect(signoffQuery('default_confirmed', '')).toEqual({ state: 'default_confirmed' })
    expect(signoffQuery('pending', 'true')).toEqual({ state: 'pending' })
    expect(signoffQuery('objected', 'false')).toEqual({ objection_open: true })
  })

  it('falls back to the first tab for an unknown key from the URL', () => {
    expect(tabOf('nonsense').key).toBe('pending')
    expect(signoffQuery(undefined)).toEqual({ state: 'pending' })
  })
})

describe('outcome text', () => {
  it('never calls a default confirmation signed', () => {
    const texts = [
      outcomeText({ state: 'default_confirmed', objection_open: false }, NOW),
      outcomeText({ state: 'default_confirmed', objection_open: true }, NOW),
      SIGNOFF_STATE.default_confirmed,
    ]
    for (const text of texts) expect(text).not.toMatch(/已签名/)
    expect(texts[0]).toBe('截止时未签名，系统默认签名确认')
    expect(texts[1]).toBe('默认签名确认后提出异议，待处理')
  })

  it('gives the countdown for a pending sign-off and plain words for the others', () => {
    expect(outcomeText({ state: 'pending', deadline_at: at(2 * HOUR) }, NOW)).toBe('还剩 2 小时')
    expect(outcomeText({ state: 'signed' }, NOW)).toBe('已签名')
    expect(outcomeText({ state: 'objected', objection_open: true }, NOW)).toBe('截止前提出异议，待处理')
  })
})
