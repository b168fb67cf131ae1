import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { describe, expect, it } from 'vitest'

import { useCursorList } from '../../src/composables/useCursorList'

// Three pages of the API's answer, keyed by the cursor asked for.
const PAGES = {
  '': { items: [{ id: 9 }, { id: 8 }], next_cursor: '2026-12-03.8' },
  '2026-12-03.8': { items: [{ id: 7 }, { id: 6 }], next_cursor: '2026-12-02.6' },
  '2026-12-02.6': { items: [{ id: 5 }], next_cursor: null },
}

async function mountList(url) {
  const calls = []
  const fetchPage = async (query) => {
    calls.push(query)
    return PAGES[query.cursor || '']
  }
  let list
  const View = defineComponent({
    setup() {
      list = useCursorList(fetchPage, { flagged: '', category: '' })
      return () => h('div')
    },
  })
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/records', component: View }] })
  router.push(url)
  await router.isReady()
  mount({ render: () => h(View) }, { global: { plugins: [router] } })
  await flushPromises()
  return { list, calls, router }
}

describe('the records list paged by cursor', () => {
  it('reads the filters from the URL and sends no cursor for the first page', async () => {
    const { list, calls } = await mountList('/records?flagged=true&other=x')
    expect(calls).toEqual([{ flagged: 'true', cursor: undefined }])
    expect(list.items.value.map((row) => row.id)).toEqual([9, 8])
    expect(list.page()).toBe(1)
  })

  it('goes forward with next_cursor, keeps the stack in the URL, and comes back the same way', async () => {
    const { list, calls, router } = await mountList('/records?flagged=true')
    await list.next()
    await list.next()
    expect(list.items.value.map((row) => row.id)).toEqual([5])
    expect(list.page()).toBe(3)
    expect(list.nextCursor.value).toBeNull()
    expect(router.currentRoute.value.query).toEqual({ flagged: 'true', pages: '2026-12-03.8,2026-12-02.6' })
    await list.next() // the last page: nothing to go to
    expect(list.page()).toBe(3)
    await list.previous()
    expect(list.items.value.map((row) => row.id)).toEqual([7, 6])
    expect(calls.at(-1)).toEqual({ flagged: 'true', cursor: '2026-12-03.8' })
  })

  it('starts again from the first page when the filters change', async () => {
    const { list, calls, router } = await mountList('/records?pages=2026-12-03.8')
    expect(calls[0].cursor).toBe('2026-12-03.8')
    list.filters.category = 'quarter'
    await list.search()
    expect(calls.at(-1)).toEqual({ category: 'quarter', cursor: undefined })
    expect(router.currentRoute.value.query).toEqual({ category: 'quarter' })
  })
})
