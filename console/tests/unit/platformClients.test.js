import { describe, expect, it } from 'vitest'

import { stackedBarOption } from '../../src/charts/options'
import { sourcePlatformCode, sourceText } from '../../src/labels'
import { attemptCount, attemptOk, callbackAttempts } from '../../src/views/platform/platformCallbacks'
import { daySeries, failureText, flagRows, percent, rejectionRows, totals } from '../../src/views/platform/platformFigures'
import { blankPlatform, changedPlatformFields, formFromPlatform, platformBody } from '../../src/views/platform/platformForm'
import { historyText } from '../../src/views/platform/platformHistory'
import { blockedReason, keyLimits, platformActions, reasonError, statusChangeText } from '../../src/views/platform/platformStatus'
import { grantChoices, grantPlatformName, isLive, personName } from '../../src/views/unit/platformGrants'

const PLATFORM = {
  id: 3,
  code: 'yueti-cloud',
  name: '粤梯云',
  company_name: '广州粤梯科技有限公司',
  company_credit_code: '91440101MA59XXXX1A',
  contact_name: '陈工',
  contact_phone: '020-12345678',
  contact_email: null,
  callback_url: 'https://yueti.example/hooks',
  status: 'testing',
}

describe('platform status actions', () => {
  it('offers going live from the sandbox, suspension when live, reinstatement when suspended and revocation until revoked', () => {
    const steps = (status) => platformActions(status).map((action) => [action.label, action.status])
    expect(steps('testing')).toEqual([['上线', 'connected'], ['撤销', 'revoked']])
    expect(steps('connected')).toEqual([['暂停', 'suspended'], ['撤销', 'revoked']])
    expect(steps('suspended')).toEqual([['恢复', 'connected'], ['撤销', 'revoked']])
    expect(steps('revoked')).toEqual([])
  })

  it('keeps going live disabled until every conformance scenario has passed', () => {
    const [promote, revoke] = platformActions('testing')
    const report = (passed) => ({ all_passed: passed.every(Boolean), scenarios: passed.map((p, i) => ({ code: 's' + i, passed: p })) })
    expect(blockedReason(promote, null)).toBe('正在读取对接测试结果')
    expect(blockedReason(promote, report([true, false, false]))).toBe('对接测试还有 2 项未通过，全部通过后才能上线')
    expect(blockedReason(promote, report([true, true]))).toBe('')
    expect(blockedReason(revoke, report([false]))).toBe('')
    const [reinstate] = platformActions('suspended')
    expect(blockedReason(reinstate, report([false]))).toBe('')
  })

  it('requires a reason of at most 500 characters for every status change', () => {
    expect(reasonError('')).toBe('请填写原因')
    expect(reasonError('   ')).toBe('请填写原因')
    expect(reasonError('抽查不合格')).toBe('')
    expect(reasonError('字'.repeat(501))).toBe('原因不能超过 500 字')
  })

  it('names the platform, the change and its consequence', () => {
    const [suspend] = platformActions('connected')
    expect(statusChangeText(suspend, { ...PLATFORM, status: 'connected' })).toMatch(/^「粤梯云」：已完成对接 → 已暂停。暂停后/)
  })

  it('allows at most two active keys and never retiring the last one', () => {
    const key = (id, retired = null) => ({ key_id: id, retired_at: retired })
    expect(keyLimits([])).toMatchObject({ active: 0, canAdd: true, canRetire: false })
    expect(keyLimits([key('a')])).toMatchObject({ active: 1, canAdd: true, canRetire: false })
    expect(keyLimits([key('a'), key('b')])).toMatchObject({ active: 2, canAdd: false, canRetire: true })
    expect(keyLimits([key('a'), key('b', '2026-12-01T00:00:00Z'), key('c')]).active).toBe(2)
    expect(keyLimits([{ key_id: 'x', active: false }]).active).toBe(0)
    expect(keyLimits([key('a'), key('b')]).addBlocked).toContain('最多同时有 2 把在用公钥')
  })
})

describe('platform form', () => {
  it('sends every filled field trimmed, and the PEM with its final newline', () => {
    const form = { ...blankPlatform(), name: ' 粤梯云 ', code: 'yueti-cloud', contact_email: '', public_key_pem: '-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n\n' }
    expect(platformBody(form)).toEqual({
      name: '粤梯云',
      code: 'yueti-cloud',
      public_key_pem: '-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n',
    })
  })

  it('patches only what changed, clears optional fields with null and never sends the code', () => {
    const form = formFromPlatform(PLATFORM)
    expect(form.code).toBe('')
    expect(changedPlatformFields(form, PLATFORM)).toEqual({})
    form.contact_phone = '13800138000'
    form.callback_url = ''
    form.name = ''
    expect(changedPlatformFields(form, PLATFORM)).toEqual({ contact_phone: '13800138000', callback_url: null })
  })
})

describe('platform history', () => {
  it('says a status change with its reason and the operator who made it', () => {
    const text = historyText({ kind: 'suspended', from_status: 'connected', to_status: 'suspended', reason: '抽查不合格', actor_id: 4, actor_name: '监控中心' })
    expect(text).toEqual({ title: '暂停：已完成对接 → 已暂停', type: 'warning', lines: ['原因：抽查不合格', '操作人：监控中心'] })
  })

  it('lists each changed detail as old → new, and a key the platform rotated itself', () => {
    const updated = historyText({ kind: 'updated', changes: { contact_phone: ['020-1', '020-2'], callback_url: ['https://a', null] }, actor_id: 4 })
    expect(updated.lines).toEqual(['联系电话：020-1 → 020-2', '回调地址：https://a → （空）', '操作人：账号 #4'])
    const rotated = historyText({ kind: 'key_added', changes: { key_id: 'pk_new', algorithm: 'ed25519', fingerprint: 'ab' }, actor_id: null, key_id: 'pk_old' })
    expect(rotated.title).toBe('添加公钥')
    expect(rotated.lines).toEqual(['密钥编号：pk_new', '算法：Ed25519', '平台通过接口自行操作（签名密钥 pk_old）'])
    expect(historyText({ kind: 'registered', to_status: 'testing', changes: { code: 'x' } }).title).toBe('登记平台（对接测试中）')
  })
})

describe('platform figures', () => {
  const day = (date, fields) => ({
    day: date, uploads: 0, delay_notices: 0, duplicates: 0, rejected: 0, rejections: {}, late_upload_share: null,
    flag_rates: { distance: null, duration: null, overlap: null, any: null },
    callbacks_delivered: 0, callback_failures: 0, callbacks_failed: 0, ...fields,
  })
  const FIGURES = {
    date_from: '2026-12-01',
    date_to: '2026-12-03',
    days: [
      day('2026-12-01', {
        uploads: 4, duplicates: 1, rejected: 3, rejections: { elevator_unknown: 1, technician_unknown: 2 },
        late_upload_share: 0.25, flag_rates: { distance: 0.5, duration: 0, overlap: 0, any: 0.5 }, callback_failures: 2,
      }),
      day('2026-12-02'),
      day('2026-12-03', {
        uploads: 2, rejected: 1, rejections: { technician_unknown: 1 }, late_upload_share: 1,
        flag_rates: { distance: 0, duration: 0.5, overlap: 0, any: 0.5 }, callbacks_failed: 1, delay_notices: 1,
      }),
    ],
  }

  it('arranges the per-day uploads as stacked series on MM-DD, days without traffic included', () => {
    const { days, series } = daySeries(FIGURES)
    expect(days).toEqual(['12-01', '12-02', '12-03'])
    expect(series.map((one) => [one.name, one.values])).toEqual([
      ['上传成功', [4, 0, 2]],
      ['重复提交', [1, 0, 0]],
      ['被拒绝', [3, 0, 1]],
    ])
  })

  it('adds the days up, weighting each day\'s shares by its uploads', () => {
    expect(totals(FIGURES)).toEqual({
      uploads: 6, delayNotices: 1, duplicates: 1, rejected: 4,
      callbacksDelivered: 0, callbackFailures: 2, callbacksFailed: 1,
      lateShare: 3 / 6,
    })
    expect(flagRows(FIGURES).map((row) => [row.name, percent(row.share)])).toEqual([
      ['位置不符', '33.3%'],
      ['用时过短', '16.7%'],
      ['同一时间两处作业', '0.0%'],
      ['任一异常标记', '50.0%'],
    ])
    expect(totals({ days: [day('2026-12-02')] }).lateShare).toBeNull()
  })

  it('lists the period\'s rejections by error code with their Chinese names, most frequent first', () => {
    expect(rejectionRows(FIGURES)).toEqual([
      { code: 'technician_unknown', count: 3, name: '维保人员不是该单位在职人员' },
      { code: 'elevator_unknown', count: 1, name: '电梯未知或未授权' },
    ])
    expect(rejectionRows({ days: [day('2026-12-01', { rejections: { http_500: 2 } })] })).toEqual([{ code: 'http_500', count: 2, name: 'http_500' }])
  })

  it('says why the figures could not be read by the API\'s field messages', () => {
    expect(failureText({ message: '提交的数据有误', fields: { date_to: '一次最多查询 92 天' } })).toBe('一次最多查询 92 天')
    expect(failureText({ message: '服务器出错，请稍后重试', fields: {} })).toBe('服务器出错，请稍后重试')
  })

  it('shows shares as percentages and nothing to share as a dash', () => {
    expect(percent(0.125)).toBe('12.5%')
    expect(percent(0)).toBe('0.0%')
    expect(percent(null)).toBe('—')
  })

  it('draws stacked bars, or says there is nothing to draw', () => {
    const option = stackedBarOption(['12-01'], [{ name: '新建', color: '#000', values: [2] }])
    expect(option.series[0]).toMatchObject({ type: 'bar', stack: 'total', data: [2] })
    expect(option.title).toBeUndefined()
    expect(stackedBarOption(['12-01'], [{ name: '新建', values: [0] }], { emptyText: '没有上传' }).title.text).toBe('没有上传')
  })
})

describe('callback log', () => {
  it('counts a delivery as acknowledged only on a 2xx', () => {
    expect(attemptOk({ status_code: 204 })).toBe(true)
    expect(attemptOk({ status_code: 301 })).toBe(false)
    expect(attemptOk({ status_code: null, error: 'timeout' })).toBe(false)
  })

  it('reads the attempts whether listed or counted', () => {
    const attempts = [{ attempt_no: 1 }, { attempt_no: 2 }]
    expect(callbackAttempts({ attempts })).toBe(attempts)
    expect(attemptCount({ attempts })).toBe(2)
    expect(attemptCount({ attempts: 3, attempt_log: [] })).toBe(3)
    expect(callbackAttempts({ attempts: 3 })).toEqual([])
  })
})

describe('record source', () => {
  it('names the uploading platform, or its code when the name is unknown', () => {
    expect(sourceText('miniprogram')).toBe('微信小程序')
    expect(sourceText('platform:yueti-cloud', '粤梯云')).toBe('平台上传：粤梯云')
    expect(sourceText('platform:yueti-cloud')).toBe('平台上传：yueti-cloud')
    expect(sourcePlatformCode('platform:yueti-cloud')).toBe('yueti-cloud')
    expect(sourcePlatformCode('miniprogram')).toBeNull()
  })
})

describe('unit authorisations', () => {
  const grants = [
    { id: 2, platform_client_id: 3, granted_at: '2026-12-02T01:00:00Z', revoked_at: null, granted_by_name: '王管理' },
    { id: 1, platform_client_id: 5, granted_at: '2026-11-01T01:00:00Z', revoked_at: '2026-11-20T01:00:00Z', revoked_by_id: 9 },
  ]

  it('marks the platforms already granted and leaves revoked platforms out of the choice', () => {
    const platforms = [{ id: 3, name: '粤梯云', status: 'connected' }, { id: 5, name: '旧平台', status: 'testing' }, { id: 6, name: '撤', status: 'revoked' }]
    expect(grantChoices(platforms, grants).map((p) => [p.name, p.granted])).toEqual([['粤梯云', true], ['旧平台', false]])
    // The list tells a unit admin itself which platforms its unit authorises.
    expect(grantChoices([{ id: 8, name: '新平台', status: 'connected', authorised: true }], []).map((p) => p.granted)).toEqual([true])
  })

  it('says who granted and revoked, and names a platform no longer listed by its id', () => {
    expect(isLive(grants[0])).toBe(true)
    expect(isLive(grants[1])).toBe(false)
    expect(isLive({ live: false, revoked_at: null })).toBe(false)
    expect(personName(grants[0], 'granted_by')).toBe('王管理')
    expect(personName(grants[1], 'revoked_by')).toBe('账号 #9')
    expect(personName(grants[1], 'revoked_by', 9)).toBe('本人')
    expect(personName(grants[1], 'granted_by')).toBe('—')
    expect(personName({ granted_by_id: 5, granted_by_name: '王管理' }, 'granted_by', 5)).toBe('本人')
    expect(grantPlatformName(grants[1], new Map())).toBe('平台 #5')
    expect(grantPlatformName({ ...grants[1], platform_name: '旧平台' }, new Map())).toBe('旧平台')
  })
})
