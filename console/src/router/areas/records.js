// Records: the list (cursor-paged, filters in the URL) and one record's detail. The API scopes the rows.
const DESK_ROLES = ['mu_admin', 'mu_supervisor', 'uu_admin', 'regulator', 'inspector', 'platform_operator']

export const routes = [
  {
    path: 'records',
    name: 'records',
    component: () => import('../../views/records/RecordListView.vue'),
    meta: { title: '维保记录', roles: DESK_ROLES, menu: { group: 'records', label: '维保记录查询', order: 10 } },
  },
  {
    path: 'records/:id(\\d+)',
    name: 'record',
    component: () => import('../../views/records/RecordDetailView.vue'),
    meta: { title: '维保记录详情', roles: DESK_ROLES, menuActive: 'records' },
  },
]
