// The side menu: the routes whose meta has `menu`, for the logged-in role, in fixed groups.
export const MENU_GROUPS = [
  { key: 'home', label: '首页' },
  { key: 'unit', label: '单位' },
  { key: 'people', label: '组织与人员' },
  { key: 'elevators', label: '电梯' },
  { key: 'records', label: '维保记录' },
  { key: 'signoff', label: '签名确认' },
  { key: 'overdue', label: '逾期与延期' },
  { key: 'supervision', label: '监管' },
  { key: 'platform', label: '平台管理' },
  { key: 'statistics', label: '统计分析' },
]

export function menuFor(routes, role) {
  const visible = routes.filter((route) => route.meta?.menu && (!route.meta.roles || route.meta.roles.includes(role)))
  return MENU_GROUPS.map((group) => ({
    ...group,
    items: visible
      .filter((route) => route.meta.menu.group === group.key)
      .sort((a, b) => (a.meta.menu.order || 0) - (b.meta.menu.order || 0))
      .map((route) => ({ name: route.name, label: route.meta.menu.label, path: route.path })),
  })).filter((group) => group.items.length > 0)
}
