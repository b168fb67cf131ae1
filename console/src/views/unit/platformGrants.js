// A maintenance unit's grants to platforms as GET /maintenance-units/{id}/platform-authorisations answers them, and
// the platforms it may still grant.

export function isLive(grant) {
  return grant.live ?? !grant.revoked_at
}

function platformOf(grant, platformsById) {
  return grant.platform || platformsById?.get(grant.platform_client_id) || null
}

/** The platform's name: from the grant itself, else from the platforms list (a revoked platform is not listed). */
export function grantPlatformName(grant, platformsById) {
  return grant.platform_name || platformOf(grant, platformsById)?.name || '平台 #' + grant.platform_client_id
}

export function grantPlatformCode(grant, platformsById) {
  return grant.platform_code || platformOf(grant, platformsById)?.code || ''
}

/** Who granted or revoked (`which` is 'granted_by' or 'revoked_by'): 本人 for the logged-in admin (`selfId`), else
 * the name the API gives, else the account's number. */
export function personName(grant, which, selfId = null) {
  const id = grant[which + '_id']
  if (id && id === selfId) return '本人'
  if (grant[which + '_name']) return grant[which + '_name']
  return id ? '账号 #' + id : '—'
}

/** The platforms to choose from, each marked `granted` when the unit's grant to it is live (one live grant per
 * platform and unit: the API refuses a second). */
export function grantChoices(platforms, grants) {
  const live = new Set(grants.filter(isLive).map((grant) => grant.platform_client_id))
  return platforms
    .filter((platform) => platform.status !== 'revoked')
    .map((platform) => ({ ...platform, granted: live.has(platform.id) || platform.authorised === true }))
}
