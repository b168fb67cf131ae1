// The platform operator's endpoints: unit registrations and their review, authority accounts, reset links.
import { api } from './client'

/** The two kinds of unit, by their API path. */
export const UNIT_KINDS = {
  maintenance: { path: '/maintenance-units', label: '维保单位' },
  use: { path: '/use-units', label: '使用单位' },
}

export const listUnits = (kind, query) => api.get(UNIT_KINDS[kind].path, query)
export const getUnit = (kind, id) => api.get(UNIT_KINDS[kind].path + '/' + id)
export const unitHistory = (kind, id, query) => api.get(UNIT_KINDS[kind].path + '/' + id + '/history', query)
export const setUnitStatus = (kind, id, status) => api.post(UNIT_KINDS[kind].path + '/' + id + '/status', { status })

export const listAccounts = (query) => api.get('/accounts', query)
export const createAccount = (body) => api.post('/accounts', body)
export const deactivateAccount = (id) => api.post('/accounts/' + id + '/deactivate')
export const reactivateAccount = (id) => api.post('/accounts/' + id + '/reactivate')
export const issueResetLink = (id) => api.post('/accounts/' + id + '/password-reset')
