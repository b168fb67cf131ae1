import { describe, expect, it } from 'vitest'

import { currentCursor, decodeStack, encodeStack, nextStack, pageNumber, previousStack } from '../../src/composables/cursorPager'

describe('the records cursor pager', () => {
  it('starts on page 1 with no cursor and no pages in the URL', () => {
    const stack = decodeStack(undefined)
    expect(stack).toEqual([])
    expect(currentCursor(stack)).toBeUndefined()
    expect(encodeStack(stack)).toBeUndefined()
    expect(pageNumber(stack)).toBe(1)
  })

  it('goes forward with the next_cursor and back along the same cursors', () => {
    let stack = nextStack([], '2026-12-01.40')
    stack = nextStack(stack, '2026-11-28.17')
    expect(pageNumber(stack)).toBe(3)
    expect(currentCursor(stack)).toBe('2026-11-28.17')
    stack = previousStack(stack)
    expect(currentCursor(stack)).toBe('2026-12-01.40')
    stack = previousStack(stack)
    expect(stack).toEqual([])
    expect(previousStack(stack)).toEqual([])
  })

  it('does not move past the last page (no next_cursor)', () => {
    const stack = ['2026-12-01.40']
    expect(nextStack(stack, null)).toBe(stack)
  })

  it('keeps the stack in the URL and drops what is not a cursor', () => {
    const stack = ['2026-12-01.40', '2026-11-28.17']
    expect(decodeStack(encodeStack(stack))).toEqual(stack)
    expect(decodeStack('2026-12-01.40,<script>,2026-11-28.17,12')).toEqual(stack)
    expect(decodeStack(['2026-12-01.40'])).toEqual([])
  })
})
