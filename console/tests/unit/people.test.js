import { describe, expect, it } from 'vitest'

import { buildTree, fullNames, moveTargets, subtreeIds } from '../../src/views/people/orgTree'
import { canResetPassword, duration, manages, staffChanges } from '../../src/views/people/staffRoles'

// company(1) → branch(2) → team1(3), team2(4); a second top-level node(5); an orphan(6) whose parent is not listed.
const NODES = [
  { id: 1, parent_id: null, name: '公司', path: '/1/' },
  { id: 2, parent_id: 1, name: '分公司', path: '/1/2/' },
  { id: 3, parent_id: 2, name: '一组', path: '/1/2/3/' },
  { id: 4, parent_id: 2, name: '二组', path: '/1/2/4/' },
  { id: 5, parent_id: null, name: '番禺公司', path: '/5/' },
  { id: 6, parent_id: 99, name: '孤立', path: '/99/6/' },
]

describe('org tree', () => {
  it('nests nodes under their parents in the API order, with unknown parents as roots', () => {
    const tree = buildTree(NODES)
    expect(tree.map((node) => node.id)).toEqual([1, 5, 6])
    expect(tree[0].children.map((node) => node.id)).toEqual([2])
    expect(tree[0].children[0].children.map((node) => node.name)).toEqual(['一组', '二组'])
    expect(tree[1].children).toEqual([])
  })

  it('does not change the nodes it was given', () => {
    const copy = structuredClone(NODES)
    buildTree(NODES)
    expect(NODES).toEqual(copy)
  })

  it('finds a node and everything under it', () => {
    expect([...subtreeIds(NODES, 2)].sort()).toEqual([2, 3, 4])
    expect([...subtreeIds(NODES, 4)]).toEqual([4])
  })

  it('offers as a new parent neither the node, its own descendants nor its current parent', () => {
    expect(moveTargets(NODES, 2).map((node) => node.id)).toEqual([5, 6])
    expect(moveTargets(NODES, 3).map((node) => node.id)).toEqual([1, 4, 5, 6])
  })

  it('names each node by its path from the top', () => {
    const names = fullNames(NODES)
    expect(names.get(3)).toBe('公司 / 分公司 / 一组')
    expect(names.get(5)).toBe('番禺公司')
    expect(names.get(6)).toBe('孤立')
  })

  it('survives a cycle in bad data instead of looping forever', () => {
    const names = fullNames([
      { id: 1, parent_id: 2, name: 'a' },
      { id: 2, parent_id: 1, name: 'b' },
    ])
    expect(names.get(1)).toBe('b / a')
    expect([...subtreeIds([{ id: 1, parent_id: 2 }, { id: 2, parent_id: 1 }], 1)].sort()).toEqual([1, 2])
  })
})

describe('staff roles', () => {
  const technician = { id: 7, role: 'technician', active: true }
  const supervisor = { id: 8, role: 'mu_supervisor', active: true }

  it('lets each admin manage only the roles it creates, never another admin', () => {
    expect(manages('mu_admin', technician)).toBe(true)
    expect(manages('mu_admin', { role: 'mu_admin' })).toBe(false)
    expect(manages('uu_admin', technician)).toBe(false)
    expect(manages('uu_admin', { role: 'uu_manager' })).toBe(true)
  })

  it('offers a password-reset link only for active people who log in with a password', () => {
    expect(canResetPassword('mu_admin', supervisor)).toBe(true)
    expect(canResetPassword('mu_admin', technician)).toBe(false)
    expect(canResetPassword('mu_admin', { ...supervisor, active: false })).toBe(false)
    expect(canResetPassword('uu_admin', { role: 'uu_manager', active: true })).toBe(false)
  })

  it('says a bind code lifetime as people do', () => {
    expect(duration(1800)).toBe('30 分钟')
    expect(duration(7200)).toBe('2 小时')
    expect(duration(86400 + 3 * 3600)).toBe('1 天 3 小时')
    expect(duration(0)).toBe('0 分钟')
  })

  it('patches only what changed, sends a cleared name for the API to refuse, keeps the certificate', () => {
    const row = { name: '张三', mobile: '13800000000', certificate_no: 'TS-1', role: 'technician', org_node_id: 3 }
    const same = { ...row }
    expect(staffChanges(row, same, true)).toEqual({})
    expect(staffChanges(row, { ...row, name: ' 张三丰 ', org_node_id: 4 }, true)).toEqual({ name: '张三丰', org_node_id: 4 })
    expect(staffChanges(row, { ...row, name: '', certificate_no: '' }, true)).toEqual({ name: '' })
    expect(staffChanges(row, { ...row, role: 'mu_supervisor', org_node_id: 4 }, false)).toEqual({ role: 'mu_supervisor' })
  })
})
