// The elevator form's values ↔ the API's bodies. The console checks nothing itself: what was typed goes to the
// API (trimmed, blanks left out) and the API's field errors come back next to the fields.

export const REGISTER_FIELDS = [
  'device_code',
  'registration_code',
  'use_certificate_no',
  'rescue_code',
  'elevator_type',
  'make',
  'model',
  'rated_load_kg',
  'rated_speed_mps',
  'stops',
  'address',
  'district',
  'position',
  'use_unit_credit_code',
]
export const EDIT_FIELDS = [...REGISTER_FIELDS, 'status']

export function emptyForm() {
  return Object.fromEntries(EDIT_FIELDS.map((name) => [name, '']))
}

/** The form filled from an elevator of the API (for editing); the use unit is changed by its credit code. */
export function formFrom(elevator) {
  const form = emptyForm()
  for (const name of EDIT_FIELDS) {
    const value = elevator?.[name]
    form[name] = value === null || value === undefined ? '' : String(value)
  }
  form.use_unit_credit_code = ''
  return form
}

function typed(value) {
  return typeof value === 'string' ? value.trim() : value
}

/** POST /elevators: every filled field, as typed (trimmed). */
export function registrationBody(form) {
  const body = {}
  for (const name of REGISTER_FIELDS) {
    const value = typed(form[name])
    if (value !== '' && value !== null && value !== undefined) body[name] = value
  }
  return body
}

/** PATCH /elevators/{id}: only what differs from the elevator (a blank field means "no change"). */
export function changedFields(form, elevator) {
  const body = {}
  for (const name of EDIT_FIELDS) {
    const value = typed(form[name])
    if (value === '' || value === null || value === undefined) continue
    const current = elevator?.[name]
    if (current === null || current === undefined || String(current) !== String(value)) body[name] = value
  }
  return body
}
