// Statistics (issue 17): the indicator table, series and rankings of the caller's scope (a district, the city, or
// a maintenance unit's own figures), and the drill-down from any figure to the elevators or records behind it.
import { STATS_ROLES } from '../../views/statistics/statistics'

export const routes = [
  {
    path: 'statistics',
    name: 'statistics',
    component: () => import('../../views/statistics/StatisticsView.vue'),
    meta: { title: '统计分析', roles: STATS_ROLES, menu: { group: 'statistics', label: '统计指标', order: 1 } },
  },
  {
    path: 'statistics/drill',
    name: 'statistics-drill',
    component: () => import('../../views/statistics/StatsDrillView.vue'),
    meta: { title: '统计明细', roles: STATS_ROLES, menuActive: 'statistics' },
  },
]
