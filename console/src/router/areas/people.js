// The maintenance unit's hierarchy (org tree) and the people an admin manages (staff).
export const routes = [
  {
    path: 'org',
    name: 'org',
    component: () => import('../../views/people/OrgTreeView.vue'),
    // The supervisor may read the tree (the API lists it); only the admin changes it.
    meta: { title: '组织架构', roles: ['mu_admin', 'mu_supervisor'], menu: { group: 'people', label: '组织架构', order: 1 } },
  },
  {
    path: 'staff',
    name: 'staff',
    component: () => import('../../views/people/StaffView.vue'),
    meta: { title: '人员管理', roles: ['mu_admin', 'uu_admin'], menu: { group: 'people', label: '人员管理', order: 2 } },
  },
]
