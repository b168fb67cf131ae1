import { describe, expect, it } from 'vitest'

import { routes } from '../../src/router/areas/elevators'
import { menuFor } from '../../src/router/menu'

const DESK_ROLES = ['mu_admin', 'mu_supervisor', 'uu_admin', 'regulator', 'inspector', 'platform_operator']

describe('elevator routes', () => {
  it('lets every desk role that the API lets see elevators open the list and a detail', () => {
    for (const name of ['elevators', 'elevator']) {
      expect(routes.find((route) => route.name === name).meta.roles.sort()).toEqual([...DESK_ROLES].sort())
    }
  })

  it('gives the registration form to the unit admin only', () => {
    const register = routes.find((route) => route.name === 'elevator-register')
    expect(register.meta.roles).toEqual(['mu_admin'])
    const labels = (role) => menuFor(routes, role).flatMap((group) => group.items.map((item) => item.label))
    expect(labels('mu_admin')).toEqual(['电梯列表', '登记电梯'])
    expect(labels('inspector')).toEqual(['电梯列表'])
    expect(labels('technician')).toEqual([])
  })

  it('takes only numeric ids in the detail path, so /elevators/new is the form', () => {
    const detail = routes.find((route) => route.name === 'elevator')
    expect(detail.path).toBe('elevators/:id(\\d+)')
    expect(detail.meta.menuActive).toBe('elevators')
  })
})
