// Elevators: the list (every desk role; the API scopes the rows), registration or matching (the unit admin), and
// one elevator's detail with its labels, location, due dates and histories.
const SEE_ELEVATORS = ['mu_admin', 'mu_supervisor', 'uu_admin', 'regulator', 'inspector', 'platform_operator']

export const routes = [
  {
    path: 'elevators',
    name: 'elevators',
    component: () => import('../../views/elevators/ElevatorListView.vue'),
    meta: { title: '电梯', roles: SEE_ELEVATORS, menu: { group: 'elevators', label: '电梯列表', order: 10 } },
  },
  {
    path: 'elevators/new',
    name: 'elevator-register',
    component: () => import('../../views/elevators/ElevatorRegisterView.vue'),
    meta: { title: '登记电梯', roles: ['mu_admin'], menu: { group: 'elevators', label: '登记电梯', order: 20 } },
  },
  {
    path: 'elevators/:id(\\d+)',
    name: 'elevator',
    component: () => import('../../views/elevators/ElevatorDetailView.vue'),
    meta: { title: '电梯详情', roles: SEE_ELEVATORS, menuActive: 'elevators' },
  },
]
