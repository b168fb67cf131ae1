// What the operator may do with a unit in each status, and what each step means for the unit's people.
import { UNIT_STATUS } from '../../labels'

const APPROVE = {
  status: 'active',
  label: '审核通过',
  type: 'primary',
  title: '审核通过',
  confirm: '审核通过后，该单位即可正式使用：管理员可以登记人员和电梯，单位的人员可以登录。',
  done: '已审核通过',
}
const SUSPEND = {
  status: 'suspended',
  label: '暂停',
  type: 'danger',
  title: '暂停单位',
  confirm: '暂停后，该单位所有账号立即退出登录，且在恢复前不能登录工作台和小程序。',
  done: '已暂停',
}
const RESUME = {
  status: 'active',
  label: '恢复',
  type: 'success',
  title: '恢复单位',
  confirm: '恢复后，该单位的账号可以重新登录和使用。',
  done: '已恢复',
}

/** The status changes a unit in `status` can take, in the order their buttons show. */
export function unitActions(status) {
  if (status === 'pending') return [APPROVE, SUSPEND]
  if (status === 'active') return [SUSPEND]
  if (status === 'suspended') return [RESUME]
  return []
}

/** The confirm dialog's text: the step, the unit by name, the change of status and what it means. */
export function confirmText(action, unit) {
  return `「${unit.name}」：${UNIT_STATUS[unit.status] || unit.status} → ${UNIT_STATUS[action.status]}。${action.confirm}`
}
