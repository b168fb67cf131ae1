import { describe, expect, it } from 'vitest'

import { guard } from '../../src/router'
import { menuFor } from '../../src/router/menu'

function session(role) {
  return { loaded: true, account: role ? { role } : null, load: async () => {} }
}

const routes = [
  { name: 'home', path: '', meta: { roles: ['mu_admin', 'regulator'], menu: { group: 'home', label: '首页' } } },
  { name: 'staff', path: 'staff', meta: { roles: ['mu_admin'], menu: { group: 'people', label: '人员', order: 2 } } },
  { name: 'org', path: 'org', meta: { roles: ['mu_admin'], menu: { group: 'people', label: '组织架构', order: 1 } } },
  { name: 'overdue', path: 'overdue', meta: { roles: ['regulator', 'mu_admin'], menu: { group: 'overdue', label: '逾期' } } },
  { name: 'detail', path: 'x/:id', meta: { roles: ['mu_admin'] } },
]

describe('router guard', () => {
  it('sends a visitor to log in and back to where they were going', async () => {
    const to = { meta: { roles: ['mu_admin'] }, fullPath: '/records/5?tab=items', path: '/records/5' }
    expect(await guard(to, session(null))).toEqual({ name: 'login', query: { redirect: '/records/5?tab=items' } })
  })

  it('answers a route the role cannot use with the 404 page, as for a foreign id', async () => {
    const to = { meta: { roles: ['mu_admin'] }, fullPath: '/staff', path: '/staff', query: {}, hash: '' }
    const result = await guard(to, session('regulator'))
    expect(result.name).toBe('not-found')
    expect(result.params.pathMatch).toEqual(['staff'])
    expect(await guard(to, session('mu_admin'))).toBe(true)
  })

  it('lets anyone open public pages and loads the session once', async () => {
    let loads = 0
    const fresh = { loaded: false, account: null, load: async () => { loads += 1 } }
    expect(await guard({ meta: { public: true } }, fresh)).toBe(true)
    expect(loads).toBe(1)
  })
})

describe('menu', () => {
  it('lists only what the role can open, grouped and ordered', () => {
    const admin = menuFor(routes, 'mu_admin')
    expect(admin.map((group) => group.key)).toEqual(['home', 'people', 'overdue'])
    expect(admin[1].items.map((item) => item.name)).toEqual(['org', 'staff'])
    const regulator = menuFor(routes, 'regulator')
    expect(regulator.map((group) => group.key)).toEqual(['home', 'overdue'])
  })
})
