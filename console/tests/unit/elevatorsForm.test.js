import { describe, expect, it } from 'vitest'

import { changedFields, emptyForm, formFrom, registrationBody } from '../../src/views/elevators/form'

describe('elevator form bodies', () => {
  it('sends what was typed, trimmed, without blanks', () => {
    const form = { ...emptyForm(), device_code: ' 31104401002024000001 ', elevator_type: 'traction', stops: '18', rescue_code: '  ' }
    expect(registrationBody(form)).toEqual({ device_code: '31104401002024000001', elevator_type: 'traction', stops: '18' })
  })

  it('never sends the status on registration', () => {
    expect(registrationBody({ ...emptyForm(), status: 'out_of_service' })).toEqual({})
  })

  it('fills the edit form from an elevator, leaving the use unit to be changed by credit code', () => {
    const form = formFrom({ device_code: 'A1', stops: 12, rated_speed_mps: '1.75', make: null, status: 'in_service', use_unit_id: 3 })
    expect(form).toMatchObject({ device_code: 'A1', stops: '12', rated_speed_mps: '1.75', make: '', status: 'in_service', use_unit_credit_code: '' })
  })

  it('patches only the fields that changed', () => {
    const elevator = { device_code: 'A1', stops: 12, make: null, position: '1 号梯', status: 'in_service' }
    const form = { ...formFrom(elevator), stops: '12', make: '广州日立', position: '', status: 'out_of_service' }
    expect(changedFields(form, elevator)).toEqual({ make: '广州日立', status: 'out_of_service' })
    expect(changedFields(formFrom(elevator), elevator)).toEqual({})
  })
})
