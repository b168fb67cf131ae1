// What the operator may do with a platform in each status (testing → connected once the conformance report is all
// green; connected ⇄ suspended; any → revoked, final), and what each step means for the platform's calls.
import { PLATFORM_STATUS } from '../../labels'

const PROMOTE = {
  status: 'connected',
  label: '上线',
  type: 'success',
  title: '准予上线',
  confirm: '上线后平台进入正式环境：上传的记录成为正式维保记录，推送使用单位签名确认，并列入公开的已完成对接平台名单。',
  reasonPlaceholder: '如：对接测试全部通过，准予上线',
  defaultReason: '对接测试全部通过，准予上线',
  needsConformance: true,
  done: '已上线',
}
const SUSPEND = {
  status: 'suspended',
  label: '暂停',
  type: 'warning',
  title: '暂停平台',
  confirm: '暂停后，该平台的所有请求立即被拒绝（403），在恢复前不能上传记录；已上传的记录不受影响。平台从公开名单中移除。',
  reasonPlaceholder: '如：抽查发现上传记录与现场不符，暂停整改',
  done: '已暂停',
}
const REINSTATE = {
  status: 'connected',
  label: '恢复',
  type: 'success',
  title: '恢复平台',
  confirm: '恢复后，该平台可以重新上传记录，并重新列入公开名单。',
  reasonPlaceholder: '如：整改完成，复查合格',
  done: '已恢复',
}
const REVOKE = {
  status: 'revoked',
  label: '撤销',
  type: 'danger',
  title: '撤销平台',
  confirm: '撤销是最终决定，不能恢复：该平台的所有请求从此被拒绝，各维保单位对它的授权随之失效。已上传的记录保留。',
  reasonPlaceholder: '如：运营单位申请终止对接',
  done: '已撤销',
}

/** The status changes a platform in `status` can take, in the order their buttons show. */
export function platformActions(status) {
  if (status === 'testing') return [PROMOTE, REVOKE]
  if (status === 'connected') return [SUSPEND, REVOKE]
  if (status === 'suspended') return [REINSTATE, REVOKE]
  return []
}

/** Why an action's button is disabled ('' when it is not): going live needs the whole conformance report green. */
export function blockedReason(action, conformance) {
  if (!action.needsConformance) return ''
  if (!conformance) return '正在读取对接测试结果'
  if (!conformance.all_passed) {
    const open = conformance.scenarios.filter((scenario) => !scenario.passed).length
    return `对接测试还有 ${open} 项未通过，全部通过后才能上线`
  }
  return ''
}

/** The dialog's line about the change: the platform by name, from → to, and what it means. */
export function statusChangeText(action, platform) {
  const from = PLATFORM_STATUS[platform.status] || platform.status
  return `「${platform.name}」：${from} → ${PLATFORM_STATUS[action.status]}。${action.confirm}`
}

/** A reason is required for every status change (it is kept in the history and shown to the platform). */
export function reasonError(reason) {
  const text = (reason || '').trim()
  if (!text) return '请填写原因'
  if (text.length > 500) return '原因不能超过 500 字'
  return ''
}

/** Keys a platform may still add (at most two active at once, so it can rotate) and whether one may be retired. */
export function keyLimits(keys, max = 2) {
  const active = (keys || []).filter((key) => isActiveKey(key)).length
  return {
    active,
    canAdd: active < max,
    canRetire: active > 1,
    addBlocked: active < max ? '' : `最多同时有 ${max} 把在用公钥，请先停用一把旧公钥`,
    retireBlocked: active > 1 ? '' : '这是唯一在用的公钥，停用后平台将无法签名，请先添加新公钥',
  }
}

export function isActiveKey(key) {
  return key.active ?? !key.retired_at
}
