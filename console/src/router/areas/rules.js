// Issue 18's rules: the use unit's consent to the default confirmation (四(三)), paperless approval (四(六)) and
// the regulator's rectification and suspension notices (五(一)).
export const routes = [
  {
    path: 'unit/consent',
    name: 'unit-consent',
    component: () => import('../../views/rules/ConsentView.vue'),
    meta: { title: '默认签名确认规则', roles: ['uu_admin'], menu: { group: 'unit', label: '默认签名确认规则', order: 3 } },
  },
  {
    path: 'paperless',
    name: 'paperless',
    component: () => import('../../views/rules/PaperlessView.vue'),
    meta: {
      title: '无纸化维保记录',
      roles: ['mu_admin', 'regulator', 'inspector', 'platform_operator'],
      menu: { group: 'supervision', label: '无纸化审核', order: 10 },
    },
  },
  {
    path: 'regulator-notices',
    name: 'regulator-notices',
    component: () => import('../../views/rules/NoticesView.vue'),
    meta: {
      title: '整改与中止意见',
      roles: ['regulator', 'inspector', 'platform_operator', 'mu_admin'],
      menu: { group: 'supervision', label: '整改与中止意见', order: 11 },
    },
  },
  {
    path: 'regulator-notices/:id',
    name: 'regulator-notice',
    component: () => import('../../views/rules/NoticeDetailView.vue'),
    meta: { title: '监管意见', roles: ['regulator', 'inspector', 'platform_operator', 'mu_admin'] },
  },
]
