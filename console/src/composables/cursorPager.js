// Paging by keyset cursor (GET /records answers {items, next_cursor}; there is no page number and no total).
// "下一页" pushes the page's next_cursor on a stack, "上一页" pops it, so the way back needs no cursor from the
// API. The stack lives in the URL (`pages=c1,c2`) so a reload or the way back from a record keeps the page.

/** The stack from the URL's `pages` value: valid cursors only ("YYYY-MM-DD.id"), in order. */
export function decodeStack(value) {
  if (!value || typeof value !== 'string') return []
  return value.split(',').filter((cursor) => /^\d{4}-\d{2}-\d{2}\.\d{1,12}$/.test(cursor))
}

/** The URL value of a stack; undefined for the first page (no `pages` in the URL). */
export function encodeStack(stack) {
  return stack.length ? stack.join(',') : undefined
}

/** The cursor to request the current page with (none on the first page). */
export function currentCursor(stack) {
  return stack.length ? stack[stack.length - 1] : undefined
}

export function nextStack(stack, nextCursor) {
  return nextCursor ? [...stack, nextCursor] : stack
}

export function previousStack(stack) {
  return stack.slice(0, -1)
}

/** 1-based number of the current page, for "第 n 页". */
export function pageNumber(stack) {
  return stack.length + 1
}
