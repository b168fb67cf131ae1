// The platform form's values ↔ the API's bodies. The console checks nothing itself: what was typed goes to the API
// (trimmed, blanks left out) and the API's field errors come back next to the fields.

export const REGISTER_FIELDS = [
  'name',
  'code',
  'company_name',
  'company_credit_code',
  'contact_name',
  'contact_phone',
  'contact_email',
  'callback_url',
  'public_key_pem',
]
// The code names the platform in every record it uploads (source "platform:<code>"): it never changes.
export const EDIT_FIELDS = REGISTER_FIELDS.filter((name) => name !== 'code' && name !== 'public_key_pem')
// Optional fields the operator may empty (sent as null); the others cannot be blank.
const CLEARABLE = new Set(['contact_email', 'callback_url'])

export function blankPlatform() {
  return Object.fromEntries(REGISTER_FIELDS.map((name) => [name, '']))
}

/** The form filled from a platform of the API, for editing. */
export function formFromPlatform(platform) {
  const form = blankPlatform()
  for (const name of EDIT_FIELDS) form[name] = platform?.[name] ?? ''
  return form
}

function typed(value) {
  return typeof value === 'string' ? value.trim() : value
}

/** POST /platforms: every filled field, trimmed (a PEM keeps its lines). */
export function platformBody(form) {
  const body = {}
  for (const name of REGISTER_FIELDS) {
    const value = typed(form[name])
    if (value) body[name] = name === 'public_key_pem' ? value + '\n' : value
  }
  return body
}

/** PATCH /platforms/{id}: only what differs from the platform; an emptied optional field is sent as null. */
export function changedPlatformFields(form, platform) {
  const body = {}
  for (const name of EDIT_FIELDS) {
    const value = typed(form[name]) || ''
    const current = platform?.[name] ?? ''
    if (value === current) continue
    if (value === '') {
      if (CLEARABLE.has(name)) body[name] = null
      continue
    }
    body[name] = value
  }
  return body
}
