import { describe, expect, it } from 'vitest'

import { confirmText, unitActions } from '../../src/views/platform/unitStatus'

describe('unit status actions', () => {
  it('offers approval for a pending registration, suspension for an active unit and resumption for a suspended one', () => {
    expect(unitActions('pending').map((action) => [action.label, action.status])).toEqual([
      ['审核通过', 'active'],
      ['暂停', 'suspended'],
    ])
    expect(unitActions('active').map((action) => action.label)).toEqual(['暂停'])
    expect(unitActions('suspended').map((action) => [action.label, action.status])).toEqual([['恢复', 'active']])
    expect(unitActions('unknown')).toEqual([])
  })

  it('names the unit, the change and its consequence in the confirm dialog', () => {
    const [suspend] = unitActions('active')
    const text = confirmText(suspend, { name: '<b>广州维保</b>', status: 'active' })
    expect(text).toBe('「<b>广州维保</b>」：正常 → 已暂停。暂停后，该单位所有账号立即退出登录，且在恢复前不能登录工作台和小程序。')
  })
})
