// A filterable list paged by cursor (see cursorPager.js): filters and the cursor stack in the URL's query.
import { nextTick, onUnmounted, reactive, ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'

import { currentCursor, decodeStack, encodeStack, nextStack, pageNumber, previousStack } from './cursorPager'

export function useCursorList(fetchPage, defaults = {}) {
  const route = useRoute()
  const router = useRouter()
  const filters = reactive({ ...defaults, ...pick(route.query, defaults) })
  const stack = ref(decodeStack(route.query.pages))
  const items = ref([])
  const nextCursor = ref(null)
  const loading = ref(false)
  const error = ref(null)
  let latest = 0
  let unmounted = false
  onUnmounted(() => {
    unmounted = true
  })

  async function load() {
    const ticket = ++latest
    loading.value = true
    error.value = null
    try {
      const result = await fetchPage({ ...clean(filters), cursor: currentCursor(stack.value) })
      if (ticket !== latest) return
      items.value = result.items
      nextCursor.value = result.next_cursor || null
    } catch (failure) {
      if (ticket !== latest) return
      if (!failure || failure.name !== 'ApiError') throw failure
      error.value = failure
      items.value = []
      nextCursor.value = null
    } finally {
      if (ticket === latest) loading.value = false
    }
  }

  // The layout may key the view by the URL, so a new query can mount a new instance that loads by itself.
  async function go(newStack) {
    stack.value = newStack
    await router.replace({ query: { ...clean(filters), pages: encodeStack(newStack) } })
    await nextTick()
    if (!unmounted) await load()
  }

  const search = () => go([])
  const next = () => (nextCursor.value ? go(nextStack(stack.value, nextCursor.value)) : undefined)
  const previous = () => go(previousStack(stack.value))

  function reset() {
    for (const key of Object.keys(filters)) filters[key] = defaults[key]
    return search()
  }

  load()
  return {
    filters,
    items,
    loading,
    error,
    nextCursor,
    stack,
    page: () => pageNumber(stack.value),
    search,
    next,
    previous,
    reset,
    load,
  }
}

function pick(query, defaults) {
  const picked = {}
  for (const key of Object.keys(defaults)) if (typeof query[key] === 'string') picked[key] = query[key]
  return picked
}

export function clean(filters) {
  const out = {}
  for (const [key, value] of Object.entries(filters)) {
    if (value !== '' && value !== null && value !== undefined) out[key] = value
  }
  return out
}
