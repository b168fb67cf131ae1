// Who is logged in. The session itself is an HttpOnly cookie the page cannot read; this holds only the account.
import { defineStore } from 'pinia'

import { api } from '../api/client'

export const ROLE_NAMES = {
  platform_operator: '平台运营方（监控中心）',
  regulator: '监管部门',
  inspector: '检验机构',
  mu_admin: '维保单位管理员',
  mu_supervisor: '维保主管',
  technician: '维保人员',
  uu_admin: '使用单位管理员',
  uu_manager: '安全管理人员',
}

export const useSession = defineStore('session', {
  state: () => ({ account: null, loaded: false, notice: '' }),
  getters: {
    role: (state) => state.account?.role || null,
    roleName: (state) => ROLE_NAMES[state.account?.role] || '',
  },
  actions: {
    async load() {
      try {
        this.account = await api.get('/me', undefined, { quiet401: true })
      } catch (error) {
        if (error.status !== 401) throw error
        this.account = null
        // A session that ended (idle, expired, ended elsewhere, account stopped) says why on the log-in page; a
        // visitor who never logged in in this browser just sees the form.
        if (error.code !== 'unauthenticated') this.notice = error.message
      }
      this.loaded = true
    },
    async login(username, password) {
      const session = await api.post('/auth/session', { username, password }, { quiet401: true })
      this.account = session.account
      this.loaded = true
      this.notice = ''
      return session
    },
    async logout() {
      try {
        await api.post('/auth/logout', {}, { quiet401: true })
      } finally {
        this.account = null
      }
    },
    /** The server ended the session (idle, expired, deactivated): keep why, to show on the log-in page. */
    forget(reason) {
      this.account = null
      this.loaded = true
      this.notice = reason || ''
    },
    hasRole(...roles) {
      return !!this.account && roles.includes(this.account.role)
    },
  },
})
