// Issue 18's rules: the use unit's consent to the default confirmation, paperless approval, regulator notices.
import { api } from './client'

export const getRules = () => api.get('/signoff-rules')
export const getConsent = (unitId) => api.get('/use-units/' + unitId + '/consent')
export const giveConsent = (unitId, rules) =>
  api.post('/use-units/' + unitId + '/consent', { version: rules.version, text_sha256: rules.text_sha256 })
export const listAwaitingConsent = (query) => api.get('/signoff/awaiting-consent', query)

export const paperlessStatus = (unitId) => api.get('/maintenance-units/' + unitId + '/paperless')
export const applyPaperless = (statement) => api.post('/paperless-applications', statement ? { statement } : {})
export const listApplications = (query) => api.get('/paperless-applications', query)
export const getApplication = (id) => api.get('/paperless-applications/' + id)
export const decideApplication = (id, action, reason) =>
  api.post('/paperless-applications/' + id + '/' + action, { reason })

export const listNotices = (query) => api.get('/regulator-notices', query)
export const getNotice = (id) => api.get('/regulator-notices/' + id)
export const issueNotice = (body) => api.post('/regulator-notices', body)
export const noticeAction = (id, action, body) => api.post('/regulator-notices/' + id + '/' + action, body)
