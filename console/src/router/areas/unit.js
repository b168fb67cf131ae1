// The unit's own details (maintenance or use unit admin), the maintenance unit's platform authorisations and the
// public registration page.
const UNIT_ADMINS = ['mu_admin', 'uu_admin']

export const routes = [
  {
    path: 'unit',
    name: 'unit',
    component: () => import('../../views/unit/UnitView.vue'),
    meta: { title: '单位信息', roles: UNIT_ADMINS, menu: { group: 'unit', label: '单位信息', order: 1 } },
  },
  {
    // The maintenance unit's authorisations of the platforms that upload its records through the data interface.
    path: 'unit/platforms',
    name: 'unit-platforms',
    component: () => import('../../views/unit/PlatformGrantsView.vue'),
    meta: { title: '平台授权', roles: ['mu_admin'], menu: { group: 'unit', label: '平台授权', order: 2 } },
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
