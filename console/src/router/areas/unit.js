// The unit's own details (maintenance or use unit admin) and the public registration page.
const UNIT_ADMINS = ['mu_admin', 'uu_admin']

export const routes = [
  {
    path: 'unit',
    name: 'unit',
    component: () => import('../../views/unit/UnitView.vue'),
    meta: { title: '单位信息', roles: UNIT_ADMINS, menu: { group: 'unit', label: '单位信息', order: 1 } },
  },
]

// Top level, no log-in: a unit registers itself and its admin (pending until the platform approves it).
export const publicRoutes = [
  {
    path: '/register',
    name: 'register',
    component: () => import('../../views/unit/RegisterView.vue'),
    meta: { public: true, title: '单位注册' },
  },
]
