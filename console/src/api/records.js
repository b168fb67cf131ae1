// The records, sign-off, ledger-proof, overdue and delay-notice calls of the record screens.
import { api, apiUrl } from './client'

export const listRecords = (query) => api.get('/records', query)
export const getRecord = (id) => api.get('/records/' + id)
export const recordSignoff = (id) => api.get('/signoff/records/' + id)
export const recordProof = (id) => api.get('/ledger/records/' + id + '/proof')
export const signatureUrl = (id) => apiUrl('/records/' + id + '/signature.png')
export const recordsExportUrl = (query) => apiUrl('/records/export.xlsx', query)
export const recordPdfUrl = (id) => apiUrl('/records/' + id + '/pdf')
export const recordBundleUrl = (query) => apiUrl('/records/bundle.pdf', query)

export const listOverdue = (query) => api.get('/overdue', query)
export const overdueExportUrl = (query) => apiUrl('/overdue/export.xlsx', query)

export const listDelayNotices = (query) => api.get('/delay-notices', query)
export const getDelayNotice = (id) => api.get('/delay-notices/' + id)
export const fileDelayNotice = (body) => api.post('/delay-notices', body)

export const listElevators = (query) => api.get('/elevators', query)
export const listOrgNodes = () => api.get('/org-nodes', { per_page: 100 })
