// The unit's hierarchy (org nodes) and people (staff), their bind codes and password-reset links.
import { api } from './client'

const MAX_PER_PAGE = 100

/** Every org node the account may see (the API pages them, 100 at most per page), in tree (path) order. */
export async function allOrgNodes() {
  const nodes = []
  for (let page = 1; ; page += 1) {
    const result = await api.get('/org-nodes', { page, per_page: MAX_PER_PAGE })
    nodes.push(...result.items)
    if (result.items.length === 0 || nodes.length >= result.total) return nodes
  }
}

export const createOrgNode = (body) => api.post('/org-nodes', body)
export const changeOrgNode = (id, body) => api.patch('/org-nodes/' + id, body)
export const deleteOrgNode = (id) => api.del('/org-nodes/' + id)

export const listStaff = (query) => api.get('/staff', query)
export const createStaff = (body) => api.post('/staff', body)
export const changeStaff = (id, body) => api.patch('/staff/' + id, body)
export const deactivateStaff = (id) => api.post('/staff/' + id + '/deactivate')
/** A one-time WeChat bind code: {bind_code, expires_in_seconds}; any older code of the account stops working. */
export const issueBindCode = (id) => api.post('/staff/' + id + '/bind-code')
/** A one-time password-reset link: {url, expires_at}; any older unused link stops working. */
export const issuePasswordReset = (id) => api.post('/accounts/' + id + '/password-reset')
