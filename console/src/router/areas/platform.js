// The platform operator (monitoring centre): unit registrations to approve, every unit and its status, accounts,
// and the platforms of the data interface (registration, conformance, go-live, keys, figures, callbacks).
const OPERATOR = ['platform_operator']

export const routes = [
  {
    path: 'platform/registrations',
    name: 'platform-registrations',
    component: () => import('../../views/platform/UnitsView.vue'),
    props: { pendingOnly: true },
    meta: { title: '注册审核', roles: OPERATOR, menu: { group: 'platform', label: '注册审核', order: 1 } },
  },
  {
    path: 'platform/units',
    name: 'platform-units',
    component: () => import('../../views/platform/UnitsView.vue'),
    props: { pendingOnly: false },
    meta: { title: '单位管理', roles: OPERATOR, menu: { group: 'platform', label: '单位管理', order: 2 } },
  },
  {
    path: 'platform/accounts',
    name: 'platform-accounts',
    component: () => import('../../views/platform/AccountsView.vue'),
    meta: { title: '账号管理', roles: OPERATOR, menu: { group: 'platform', label: '账号管理', order: 3 } },
  },
  {
    path: 'platform/platforms',
    name: 'platforms',
    component: () => import('../../views/platform/PlatformsView.vue'),
    meta: { title: '对接平台', roles: OPERATOR, menu: { group: 'platform', label: '对接平台', order: 4 } },
  },
  {
    path: 'platform/platforms/:id(\\d+)',
    name: 'platform',
    component: () => import('../../views/platform/PlatformDetailView.vue'),
    meta: { title: '对接平台详情', roles: OPERATOR, menuActive: 'platforms' },
  },
]
