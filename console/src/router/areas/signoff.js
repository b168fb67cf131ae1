// Sign-off: the list by state, the records whose push reached nobody, and one record's sign-off (objection review).
const READERS = ['uu_admin', 'mu_admin', 'mu_supervisor', 'regulator', 'inspector', 'platform_operator']
const UNREACHED_READERS = ['mu_admin', 'mu_supervisor', 'uu_admin']

export const routes = [
  {
    path: 'signoff',
    name: 'signoff',
    component: () => import('../../views/signoff/SignoffListView.vue'),
    meta: { title: '签名确认', roles: READERS, menu: { group: 'signoff', label: '签名确认状态', order: 1 } },
  },
  {
    path: 'signoff/unreached',
    name: 'signoff-unreached',
    component: () => import('../../views/signoff/UnreachedView.vue'),
    meta: { title: '推送未送达', roles: UNREACHED_READERS, menu: { group: 'signoff', label: '推送未送达', order: 2 } },
  },
  {
    path: 'signoff/:id(\\d+)',
    name: 'signoff-detail',
    component: () => import('../../views/signoff/SignoffDetailView.vue'),
    meta: { title: '签名确认详情', roles: READERS, menuActive: 'signoff' },
  },
]
