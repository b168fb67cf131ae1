// The unit's own details: registration (public), details, change and change history of a maintenance or use unit.
import { api } from './client'

const PATHS = { maintenance: '/maintenance-units', use: '/use-units' }

/** POST the registration of a unit of `kind` ('maintenance' | 'use') with its admin; answers {unit, admin_account_id}. */
export function registerUnit(kind, body) {
  return api.post(PATHS[kind], body, { quiet401: true })
}

/** Which unit an admin account belongs to: `{kind, id}`, or null for an account of no unit. */
export function ownUnitOf(account) {
  if (account?.maintenance_unit_id) return { kind: 'maintenance', id: account.maintenance_unit_id }
  if (account?.use_unit_id) return { kind: 'use', id: account.use_unit_id }
  return null
}

export function getUnit({ kind, id }) {
  return api.get(PATHS[kind] + '/' + id)
}

export function changeUnit({ kind, id }, changes) {
  return api.patch(PATHS[kind] + '/' + id, changes)
}

export function unitHistory({ kind, id }, query) {
  return api.get(PATHS[kind] + '/' + id + '/history', query)
}
