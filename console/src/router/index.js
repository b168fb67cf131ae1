// Routes: the frame's own (log-in, home, account, 404) plus one module per area in ./areas/, each a list of routes
// under the layout with `meta: { title, roles, menu }`. The guard only hides what a role cannot use: what anyone
// may see is decided by the API, which the console merely calls.
import { createRouter, createWebHistory } from 'vue-router'

import { useSession } from '../stores/session'
import { publicRoutes as unitPublicRoutes } from './areas/unit'

const areaModules = import.meta.glob('./areas/*.js', { eager: true })

export const AREA_ROUTES = Object.keys(areaModules)
  .sort()
  .flatMap((key) => areaModules[key].routes)

const ALL_DESK_ROLES = ['platform_operator', 'regulator', 'inspector', 'mu_admin', 'mu_supervisor', 'uu_admin']

export const FRAME_ROUTES = [
  {
    path: '/login',
    name: 'login',
    component: () => import('../views/LoginView.vue'),
    meta: { public: true, title: '登录' },
  },
  {
    path: '/reset-password',
    name: 'reset-password',
    component: () => import('../views/ResetPasswordView.vue'),
    meta: { public: true, title: '设置新密码' },
  },
  ...unitPublicRoutes,
  {
    path: '/',
    component: () => import('../layout/ConsoleLayout.vue'),
    children: [
      {
        path: '',
        name: 'home',
        component: () => import('../views/HomeView.vue'),
        meta: { title: '首页', roles: ALL_DESK_ROLES, menu: { group: 'home', label: '首页', order: 0 } },
      },
      {
        path: 'account/sessions',
        name: 'sessions',
        component: () => import('../views/account/SessionsView.vue'),
        meta: { title: '登录设备', roles: ALL_DESK_ROLES },
      },
      {
        path: 'account/password',
        name: 'password',
        component: () => import('../views/account/PasswordView.vue'),
        meta: { title: '修改密码', roles: ALL_DESK_ROLES },
      },
      ...AREA_ROUTES,
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('../views/NotFoundView.vue'),
        meta: { title: '页面不存在' },
      },
    ],
  },
]

/** Where a navigation may go: log in first, and a route the role cannot use is a 404 like a foreign id. */
export async function guard(to, session) {
  if (!session.loaded) await session.load()
  if (to.meta.public) return true
  if (!session.account) return { name: 'login', query: { redirect: to.fullPath } }
  const roles = to.meta.roles
  if (roles && !roles.includes(session.account.role)) {
    return { name: 'not-found', params: { pathMatch: to.path.slice(1).split('/') }, query: to.query, hash: to.hash }
  }
  return true
}

export function createConsoleRouter(history = createWebHistory('/console/')) {
  const router = createRouter({ history, routes: FRAME_ROUTES, scrollBehavior: () => ({ top: 0 }) })
  router.beforeEach((to) => guard(to, useSession()))
  router.afterEach((to) => {
    document.title = (to.meta.title ? to.meta.title + ' · ' : '') + '电梯无纸化维保工作台'
  })
  return router
}
