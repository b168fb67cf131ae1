// The sign-off endpoints the console uses (through the one client).
import { api } from './client'

export const listSignoffs = (query) => api.get('/signoff/records', query)
export const listUnreached = (query) => api.get('/signoff/unreached', query)
export const getSignoff = (recordId) => api.get('/signoff/records/' + recordId)
export const resolveObjection = (recordId, note) => api.post('/signoff/records/' + recordId + '/objection/resolve', { note })
