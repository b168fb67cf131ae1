import { describe, expect, it } from 'vitest'

import {
  applicationActions,
  consentSummary,
  figureText,
  isCityRegulator,
  noticeActions,
  noticeFormErrors,
  parseIds,
} from '../../src/views/rules/rules'
import { routes } from '../../src/router/areas/rules'
import { eventText } from '../../src/signoffText'
import { menuFor } from '../../src/router/menu'

const city = { role: 'regulator', district: null }
const tianhe = { role: 'regulator', district: '天河区' }
const admin = { role: 'mu_admin', maintenance_unit_id: 7 }
const otherAdmin = { role: 'mu_admin', maintenance_unit_id: 8 }

describe('consent summary', () => {
  it('says whether the current version is agreed, an older one, or none', () => {
    expect(consentSummary({ consented: true, current_version: 2, consent: { rule_version: 2 } }).tone).toBe('success')
    const old = consentSummary({ consented: false, current_version: 2, consent: { rule_version: 1 } })
    expect(old.tone).toBe('warning')
    expect(old.text).toContain('第 1 版')
    expect(consentSummary({ consented: false, current_version: 1, consent: null }).text).toContain('不会默认确认')
  })
})

describe('paperless applications', () => {
  it('only a city regulator decides, by status', () => {
    expect(isCityRegulator(city)).toBe(true)
    expect(isCityRegulator(tianhe)).toBe(false)
    expect(applicationActions({ status: 'pending' }, city)).toEqual(['approve', 'reject'])
    expect(applicationActions({ status: 'approved' }, city)).toEqual(['withdraw'])
    expect(applicationActions({ status: 'rejected' }, city)).toEqual([])
    expect(applicationActions({ status: 'pending' }, tianhe)).toEqual([])
    expect(applicationActions({ status: 'pending' }, admin)).toEqual([])
  })

  it('shows rates as percentages and missing figures as a dash', () => {
    expect(figureText('on_time_rate', 96.34)).toBe('96.3%')
    expect(figureText('default_confirmed_share', 0)).toBe('0.0%')
    expect(figureText('same_day_upload_rate', 100)).toBe('100.0%')
    expect(figureText('same_day_upload_days', 21)).toBe('21 天')
    expect(figureText('on_time_rate', null)).toBe('—')
  })
})

describe('notices', () => {
  const issued = { status: 'issued', kind: 'rectification', maintenance_unit_id: 7 }
  it('the addressee acknowledges then replies; others of its role do nothing', () => {
    expect(noticeActions(issued, admin)).toEqual(['acknowledge'])
    expect(noticeActions({ ...issued, status: 'acknowledged' }, admin)).toEqual(['reply'])
    expect(noticeActions(issued, otherAdmin)).toEqual([])
  })
  it('a regulator closes, and escalates a rectification only; a closed notice offers nothing', () => {
    expect(noticeActions(issued, tianhe)).toEqual(['close', 'escalate'])
    expect(noticeActions({ ...issued, kind: 'suspension' }, tianhe)).toEqual(['close'])
    expect(noticeActions({ ...issued, status: 'closed' }, tianhe)).toEqual([])
    expect(noticeActions({ ...issued, status: 'escalated' }, admin)).toEqual([])
  })
  it('parses typed ids and refuses anything else', () => {
    expect(parseIds('12, 15 15，18')).toEqual({ ids: [12, 15, 18] })
    expect(parseIds('')).toEqual({ ids: [] })
    expect(parseIds('12, abc').error).toBeTruthy()
  })
  it('checks the form: a deadline in the past, a missing unit or findings', () => {
    const now = new Date('2026-12-03T10:00:00Z')
    const good = { maintenance_unit_id: 3, findings: '记录不全', deadline_at: '2026-12-10T10:00:00Z' }
    expect(noticeFormErrors(good, now)).toEqual({})
    expect(noticeFormErrors({ ...good, deadline_at: '2026-12-03T09:59:00Z' }, now).deadline_at).toContain('晚于')
    expect(Object.keys(noticeFormErrors({ record_ids_text: 'x' }, now)).sort()).toEqual(
      ['deadline_at', 'findings', 'maintenance_unit_id', 'record_ids'],
    )
  })
})

describe('menu', () => {
  it('the consent screen is the use unit admin’s; notices and approvals are under 监管', () => {
    expect(menuFor(routes, 'uu_admin').flatMap((g) => g.items.map((i) => i.name))).toEqual(['unit-consent'])
    const regulator = menuFor(routes, 'regulator')
    expect(regulator.map((g) => g.key)).toEqual(['supervision'])
    expect(regulator[0].items.map((i) => i.name)).toEqual(['paperless', 'regulator-notices'])
    expect(menuFor(routes, 'technician')).toEqual([])
  })
})

describe('sign-off history', () => {
  it('a default confirmation names the consent it relied on; a renewed deadline is worded as such', () => {
    const at = '2026-12-03T16:00:00Z'
    const confirmed = eventText({ kind: 'default_confirmed', deadline_at: at, pushed_at: at, consent_id: 42 })
    expect(confirmed.detail).toContain('依据使用单位同意书 #42')
    expect(eventText({ kind: 'default_confirmed', deadline_at: at, pushed_at: null }).detail).not.toContain('同意书')
    const renewed = eventText({ kind: 'deadline_renewed', deadline_at: at })
    expect(renewed.title).toContain('同意默认签名确认规则后重新开放')
  })
})
