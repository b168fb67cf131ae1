// Overdue elevators (half-monthly maintenance past due) and the maintenance unit's delay notices.
const DESK_ROLES = ['mu_admin', 'mu_supervisor', 'uu_admin', 'regulator', 'inspector', 'platform_operator']

export const routes = [
  {
    path: 'overdue',
    name: 'overdue',
    component: () => import('../../views/overdue/OverdueListView.vue'),
    meta: { title: '逾期电梯', roles: DESK_ROLES, menu: { group: 'overdue', label: '逾期电梯', order: 10 } },
  },
  {
    path: 'delay-notices',
    name: 'delay-notices',
    component: () => import('../../views/overdue/DelayNoticeListView.vue'),
    meta: { title: '维保延期说明', roles: DESK_ROLES, menu: { group: 'overdue', label: '维保延期说明', order: 20 } },
  },
  {
    path: 'delay-notices/:id(\\d+)',
    name: 'delay-notice',
    component: () => import('../../views/overdue/DelayNoticeDetailView.vue'),
    meta: { title: '延期说明详情', roles: DESK_ROLES, menuActive: 'delay-notices' },
  },
]
