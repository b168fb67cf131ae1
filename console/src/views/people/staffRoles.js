// Which people an admin manages on the staff screen, and which of them log in with a password (the API decides
// both; these only choose what the screen offers).

/** The roles each admin creates: the maintenance unit's supervisors and technicians, the use unit's managers. */
export const CREATABLE_ROLES = {
  mu_admin: ['mu_supervisor', 'technician'],
  uu_admin: ['uu_manager'],
}

// The roles that log in to the console with a password (miniback.auth.passwords.PASSWORD_ROLES) — a reset link
// makes sense only for them; technicians and managers log in with WeChat only.
export const PASSWORD_ROLES = ['platform_operator', 'regulator', 'inspector', 'mu_admin', 'mu_supervisor', 'uu_admin']

// The roles that use the mini-program and bind their WeChat (miniback.models.WECHAT_ROLES).
export const WECHAT_ROLES = ['mu_supervisor', 'technician', 'uu_manager']

/** The rows an admin may change: people of the roles they create (never another admin). */
export function manages(adminRole, row) {
  return (CREATABLE_ROLES[adminRole] || []).includes(row.role)
}

export function canResetPassword(adminRole, row) {
  return manages(adminRole, row) && row.active && PASSWORD_ROLES.includes(row.role)
}

/** "expires_in_seconds" as people say it: 30 分钟, 2 小时, 1 天 3 小时. */
export function duration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds) || 0))
  const days = Math.floor(total / 86400)
  const hours = Math.floor((total % 86400) / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const parts = []
  if (days) parts.push(days + ' 天')
  if (hours) parts.push(hours + ' 小时')
  if (minutes || parts.length === 0) parts.push(minutes + ' 分钟')
  return parts.join(' ')
}

/** The PATCH body of an edit: the fields that changed. A cleared name or mobile is sent (the API says it is
 * required); a cleared certificate number is left out, as the API cannot clear it. */
export function staffChanges(row, form, withNode) {
  const changes = {}
  for (const field of ['name', 'mobile', 'certificate_no']) {
    const value = String(form[field] ?? '').trim()
    if (value === (row[field] ?? '')) continue
    if (value || field !== 'certificate_no') changes[field] = value
  }
  if (form.role && form.role !== row.role) changes.role = form.role
  if (withNode && form.org_node_id && form.org_node_id !== row.org_node_id) changes.org_node_id = form.org_node_id
  return changes
}
