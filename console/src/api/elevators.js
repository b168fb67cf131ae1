// The elevator area's calls to /api/v1 (through the one client).
import { api, apiUrl } from './client'

export const listElevators = (query) => api.get('/elevators', query)
export const getElevator = (id) => api.get(`/elevators/${id}`)
export const registerElevator = (body) => api.post('/elevators', body)
export const changeElevator = (id, body) => api.patch(`/elevators/${id}`, body)
export const transferElevator = (id, creditCode) =>
  api.post(`/elevators/${id}/transfer`, { maintenance_unit_credit_code: creditCode })
export const elevatorDue = (id) => api.get(`/elevators/${id}/due`)
export const elevatorLocations = (id, query) => api.get(`/elevators/${id}/locations`, query)
export const correctLocation = (id, point) => api.post(`/elevators/${id}/location`, point)
export const elevatorAssignments = (id, query) => api.get(`/elevators/${id}/assignments`, query)
export const elevatorHistory = (id, query) => api.get(`/elevators/${id}/history`, query)
export const listUseUnits = (query) => api.get('/use-units', query)

/** Download links: plain GETs, the cookie session goes with them. */
export const elevatorFiles = (id) => ({
  labelPng: apiUrl(`/elevators/${id}/label.png`),
  qrSvg: apiUrl(`/elevators/${id}/qr.svg`),
  wxacode: apiUrl(`/elevators/${id}/wxacode.png`),
})

/** The unit's A4 sheet of labels; with ids, only those elevators (repeated `elevator_id`). */
export const unitLabelsPdf = (unitId, elevatorIds = []) =>
  apiUrl(`/maintenance-units/${unitId}/labels.pdf`, { elevator_id: elevatorIds })
