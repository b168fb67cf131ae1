// The data interface's desk side: the platforms the operator registers, tests and manages (keys, status, history,
// conformance, figures, callbacks), and the maintenance units' authorisations of them.
import { api } from './client'

export const listPlatforms = (query) => api.get('/platforms', query)
export const createPlatform = (body) => api.post('/platforms', body)
export const getPlatform = (id) => api.get('/platforms/' + id)
export const changePlatform = (id, changes) => api.patch('/platforms/' + id, changes)
export const addPlatformKey = (id, publicKeyPem) => api.post('/platforms/' + id + '/keys', { public_key_pem: publicKeyPem })
export const retirePlatformKey = (id, keyId) => api.post('/platforms/' + id + '/keys/' + encodeURIComponent(keyId) + '/retire')
export const setPlatformStatus = (id, status, reason) => api.post('/platforms/' + id + '/status', { status, reason })
export const platformEvents = (id, query) => api.get('/platforms/' + id + '/events', query)
export const platformConformance = (id) => api.get('/platforms/' + id + '/conformance')
export const platformFigures = (id, query) => api.get('/platforms/' + id + '/figures', query)
export const platformCallbacks = (id, query) => api.get('/platforms/' + id + '/callbacks', query)

export const unitAuthorisations = (unitId, query) => api.get('/maintenance-units/' + unitId + '/platform-authorisations', query)
export const grantAuthorisation = (unitId, platformId) =>
  api.post('/maintenance-units/' + unitId + '/platform-authorisations', { platform_client_id: platformId })
export const revokeAuthorisation = (id, reason) => api.post('/platform-authorisations/' + id + '/revoke', reason ? { reason } : {})

/** The connected platforms' public list (no log-in): name, company, credit code, connected since. */
export const publicPlatforms = () => api.get('/public/platforms')
