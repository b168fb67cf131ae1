// The org nodes of /org-nodes (flat, each with its parent_id) as the tree el-tree draws, and what a move may target.

/** Nested `{id, name, parent_id, path, children}` in the API's order; a node whose parent is not listed is a root. */
export function buildTree(nodes) {
  const byId = new Map(nodes.map((node) => [node.id, { ...node, children: [] }]))
  const roots = []
  for (const node of byId.values()) {
    const parent = node.parent_id == null ? null : byId.get(node.parent_id)
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  return roots
}

/** The ids of a node and everything under it. */
export function subtreeIds(nodes, id) {
  const children = new Map()
  for (const node of nodes) {
    if (!children.has(node.parent_id)) children.set(node.parent_id, [])
    children.get(node.parent_id).push(node.id)
  }
  const found = new Set()
  const stack = [id]
  while (stack.length) {
    const current = stack.pop()
    if (found.has(current)) continue
    found.add(current)
    stack.push(...(children.get(current) || []))
  }
  return found
}

/** Where a node may move: any node outside its own subtree, and not the parent it already has. */
export function moveTargets(nodes, id) {
  const inside = subtreeIds(nodes, id)
  const node = nodes.find((candidate) => candidate.id === id)
  return nodes.filter((candidate) => !inside.has(candidate.id) && candidate.id !== node?.parent_id)
}

/** id → "公司 / 分公司 / 一组": the names from the top, for lists and pickers. */
export function fullNames(nodes) {
  const byId = new Map(nodes.map((node) => [node.id, node]))
  const names = new Map()
  function nameOf(node, seen = new Set()) {
    if (names.has(node.id)) return names.get(node.id)
    seen.add(node.id)
    const parent = node.parent_id == null ? null : byId.get(node.parent_id)
    const name = parent && !seen.has(parent.id) ? nameOf(parent, seen) + ' / ' + node.name : node.name
    names.set(node.id, name)
    return name
  }
  for (const node of nodes) nameOf(node)
  return names
}
