// One event of a platform's history in words: what happened, who did it (the operator, or the platform itself
// with the key it signed with), and the reason, the changed fields or the key concerned.
import { KEY_ALGORITHM, PLATFORM_EVENT, PLATFORM_FIELD, PLATFORM_STATUS } from '../../labels'

const KIND_TYPE = { connected: 'success', reinstated: 'success', suspended: 'warning', revoked: 'danger', registered: 'primary' }

function shown(value) {
  if (value === null || value === undefined || value === '') return '（空）'
  return String(value)
}

function statusName(code) {
  return PLATFORM_STATUS[code] || code
}

/** `{title, type, lines}` of a PlatformClientEvent as GET /platforms/{id}/events answers it. */
export function historyText(event) {
  const changes = event.changes || {}
  const lines = []
  let title = PLATFORM_EVENT[event.kind] || event.kind
  if (event.kind === 'registered') {
    title += '（' + statusName(event.to_status || 'testing') + '）'
  } else if (event.from_status && event.to_status) {
    title += '：' + statusName(event.from_status) + ' → ' + statusName(event.to_status)
  }
  if (event.reason) lines.push('原因：' + event.reason)
  if (event.kind === 'updated') {
    // {field: [old, new]}
    for (const [field, change] of Object.entries(changes)) {
      const [before, after] = Array.isArray(change) ? change : [undefined, change]
      lines.push(`${PLATFORM_FIELD[field] || field}：${shown(before)} → ${shown(after)}`)
    }
  } else if (event.kind === 'key_added' || event.kind === 'key_retired') {
    if (changes.key_id) lines.push('密钥编号：' + changes.key_id)
    if (changes.algorithm) lines.push('算法：' + (KEY_ALGORITHM[changes.algorithm] || changes.algorithm))
  }
  lines.push(actorText(event))
  return { title, type: KIND_TYPE[event.kind] || '', lines }
}

function actorText(event) {
  if (event.actor_name) return '操作人：' + event.actor_name
  if (event.actor_id) return '操作人：账号 #' + event.actor_id
  if (event.key_id) return '平台通过接口自行操作（签名密钥 ' + event.key_id + '）'
  return '系统'
}
