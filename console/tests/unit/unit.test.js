import { describe, expect, it } from 'vitest'

import { ownUnitOf } from '../../src/api/unit'
import { changedFields, registrationBody } from '../../src/views/unit/registration'

const UNIT = {
  name: '广州某电梯维保有限公司', credit_code: '91440101MA59ABCD1X', filing_no: '粤特维备-1', address: '天河路 1 号',
  office_address: '天河路 2 号', contact_name: '陈工', contact_phone: '020-38880001', emergency_phone: '020-38889999',
  district: '天河区',
}

describe('registration', () => {
  it('sends only the fields of the chosen kind of unit, with its admin', () => {
    const admin = { name: '林晓燕', username: 'lin', password: 'Secret2026pass', mobile: '' }
    const maintenance = registrationBody('maintenance', UNIT, admin)
    expect(Object.keys(maintenance)).not.toContain('district')
    expect(maintenance.emergency_phone).toBe('020-38889999')
    expect(maintenance.admin).toEqual({ name: '林晓燕', username: 'lin', password: 'Secret2026pass' })
    const use = registrationBody('use', UNIT, { ...admin, mobile: '13800138000' })
    expect(Object.keys(use).sort()).toEqual(['address', 'admin', 'credit_code', 'district', 'name'])
    expect(use.admin.mobile).toBe('13800138000')
  })

  it('finds the unit of an admin account', () => {
    expect(ownUnitOf({ maintenance_unit_id: 4, use_unit_id: null })).toEqual({ kind: 'maintenance', id: 4 })
    expect(ownUnitOf({ maintenance_unit_id: null, use_unit_id: 9 })).toEqual({ kind: 'use', id: 9 })
    expect(ownUnitOf({ maintenance_unit_id: null, use_unit_id: null })).toBeNull()
    expect(ownUnitOf(null)).toBeNull()
  })

  it('patches the unit with the changed fields only, trimmed', () => {
    const form = { ...UNIT, address: ' 天河路 3 号 ' }
    expect(changedFields(UNIT, form, ['name', 'address', 'office_address'])).toEqual({ address: '天河路 3 号' })
    expect(changedFields(UNIT, { ...UNIT }, ['name', 'address'])).toEqual({})
    expect(changedFields({ ...UNIT, filing_no: null }, { filing_no: '' }, ['filing_no'])).toEqual({})
  })
})

describe('registration route', () => {
  it('is a top-level page anyone may open, beside log-in', async () => {
    const { FRAME_ROUTES, guard } = await import('../../src/router')
    const register = FRAME_ROUTES.find((route) => route.name === 'register')
    expect(register.path).toBe('/register')
    const visitor = { loaded: true, account: null, load: async () => {} }
    expect(await guard(register, visitor)).toBe(true)
  })
})
