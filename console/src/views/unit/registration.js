// The body of POST /maintenance-units or /use-units from the registration form: only the fields of the chosen kind
// (the API refuses unknown ones), and no empty optional mobile.
const FIELDS = {
  maintenance: ['name', 'credit_code', 'filing_no', 'address', 'office_address', 'contact_name', 'contact_phone', 'emergency_phone'],
  use: ['name', 'credit_code', 'address', 'district'],
}

export function registrationBody(kind, unit, admin) {
  const body = {}
  for (const field of FIELDS[kind]) body[field] = unit[field]
  body.admin = { name: admin.name, username: admin.username, password: admin.password }
  if (admin.mobile) body.admin.mobile = admin.mobile
  return body
}

/** What an edit form changed against the loaded unit: only those fields go in the PATCH (no empty history rows). */
export function changedFields(current, form, fields) {
  const changes = {}
  for (const field of fields) {
    const value = typeof form[field] === 'string' ? form[field].trim() : form[field]
    if (value !== (current?.[field] ?? '')) changes[field] = value
  }
  return changes
}
