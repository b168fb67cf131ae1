import { describe, expect, it } from 'vitest'

import { durationText, eventText, recordFlags, relatedRecords, signoffTag } from '../../src/signoffText'

const at = '2026-12-03T04:00:00Z'

describe('sign-off events in Chinese', () => {
  it('names every event kind of the lifecycle', () => {
    const kinds = ['submitted', 'pushed', 'signed', 'default_confirmed', 'objected', 'objection_resolved', 'reopened']
    for (const kind of kinds) {
      const text = eventText({ kind, occurred_at: at, deadline_at: at })
      expect(text.title).toMatch(/[\u4e00-\u9fa5]/)
      expect(text.title).not.toContain(kind)
    }
  })

  it('never words or colours a default confirmation as signed', () => {
    const text = eventText({ kind: 'default_confirmed', deadline_at: at, pushed_at: null })
    expect(text.title).toContain('系统默认签名确认')
    expect(text.title).toContain('不是本人签名')
    expect(text.type).not.toBe('success')
    expect(text.detail).toContain('未能推送')
    expect(eventText({ kind: 'default_confirmed', deadline_at: at, pushed_at: at }).detail).toContain('2026/12/03 12:00')
  })

  it('says who signed, who objected and why', () => {
    expect(eventText({ kind: 'signed', actor_name: '郑经理', signature_hash: 'ab'.repeat(32) }).title).toBe('郑经理 签名确认')
    const objected = eventText({ kind: 'objected', actor_name: '郑经理', reason: '记录与现场不符' })
    expect(objected.title).toBe('郑经理 提出异议')
    expect(objected.detail).toBe('异议理由：记录与现场不符')
    expect(objected.type).toBe('danger')
    expect(eventText({ kind: 'objection_resolved', actor_name: '陈工', reason: '已复核' }).detail).toBe('处理说明：已复核')
  })

  it('shows the deadline of a submission and of a reopened round in Beijing time', () => {
    expect(eventText({ kind: 'submitted', deadline_at: '2026-12-03T15:59:59Z' }).detail).toBe('签名确认期限：2026/12/03 23:59')
    expect(eventText({ kind: 'reopened', deadline_at: at }).detail).toBe('新的签名确认期限：2026/12/03 12:00')
  })
})

describe('the sign-off state tag', () => {
  const now = new Date('2026-12-03T05:00:00Z')

  it('keeps default confirmation apart from signed', () => {
    expect(signoffTag({ state: 'signed' }, now)).toEqual({ text: '已签名确认', type: 'success' })
    expect(signoffTag({ state: 'default_confirmed' }, now)).toEqual({ text: '默认签名确认', type: 'info' })
    expect(signoffTag({ state: 'default_confirmed', objection_open: true }, now).type).toBe('danger')
  })

  it('shows a pending sign-off past its deadline as awaiting the default confirmation, not as signable', () => {
    expect(signoffTag({ state: 'pending', deadline_at: '2026-12-03T06:00:00Z' }, now).text).toBe('待签名确认')
    expect(signoffTag({ state: 'pending', deadline_at: '2026-12-03T04:00:00Z' }, now).text).toBe('已过期限，待系统默认确认')
    expect(signoffTag(null).text).toBe('无需签名确认')
  })
})

describe('record flags', () => {
  it('lists each flag in Chinese with its explanation', () => {
    const record = {
      flag_distance: true,
      flag_duration: true,
      flag_overlap: false,
      late_upload: true,
      check_in_distance_m: '12.4',
      check_out_distance_m: '351.0',
      duration_seconds: 300,
    }
    const flags = recordFlags(record)
    expect(flags.map((flag) => flag.text)).toEqual(['位置不符', '用时过短', '超时上传'])
    expect(flags[0].explanation).toContain('签退 351 米')
    expect(flags[1].explanation).toContain('5 分钟')
    expect(recordFlags({})).toEqual([])
  })

  it('lists authenticity signals with their explanation, and a later one says which record revealed it', () => {
    const record = {
      signals: [
        { id: 7, kind: 'impossible_travel', label: '行程不可能', explanation: '折合时速 120 公里', raised_by: 'submission', raised_by_record_id: 3 },
        { id: 9, kind: 'photo_reused', label: '照片重复使用', explanation: '照片在记录 #5 中已经用过', raised_by: 'later', raised_by_record_id: 12 },
      ],
      signal_kinds: ['impossible_travel', 'photo_reused'],
    }
    const flags = recordFlags(record)
    expect(flags.map((flag) => flag.text)).toEqual(['行程不可能', '照片重复使用'])
    expect(flags[0].explanation).toBe('折合时速 120 公里')
    expect(flags[1].explanation).toContain('由记录 #12 揭示')
    // A list row has the kinds only; a technician's record has neither (null).
    expect(recordFlags({ signal_kinds: ['bulk_upload'] }).map((flag) => flag.text)).toEqual(['集中补传'])
    expect(recordFlags({ signals: null, signal_kinds: null })).toEqual([])
  })

  it('links the other records a signal names in its evidence, never the record itself', () => {
    expect(relatedRecords({ other_record_id: 5, photos: [] }, 8)).toEqual([5])
    expect(relatedRecords({ from_record_id: 8, to_record_id: 9, other_record_id: 9 }, 8)).toEqual([9])
    expect(relatedRecords({ record_ids: [4, 2, 8], count: 3 }, 8)).toEqual([2, 4])
    expect(relatedRecords({ points: ['check_in'] }, 8)).toEqual([])
    expect(relatedRecords(null, 8)).toEqual([])
    const flags = recordFlags({ id: 8, signals: [{ id: 1, kind: 'photo_reused', label: '照片重复使用', explanation: '', evidence: { other_record_id: 5 } }] })
    expect(flags[0].related).toEqual([5])
  })

  it('writes durations in hours and minutes', () => {
    expect(durationText(2400)).toBe('40 分钟')
    expect(durationText(5400)).toBe('1 小时 30 分钟')
    expect(durationText(null)).toBe('—')
  })
})
