// A filterable, paginated list whose filters and page live in the URL's query (so a link or a reload keeps them).
// The API pages with `?page=&per_page=` → `{items, page, per_page, total}`.
import { reactive, ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'

export function useList(fetchPage, defaults = {}) {
  const route = useRoute()
  const router = useRouter()
  const filters = reactive({ ...defaults, ...pick(route.query, defaults) })
  const page = ref(Number(route.query.page) || 1)
  const perPage = ref(Number(route.query.per_page) || 20)
  const items = ref([])
  const total = ref(0)
  const loading = ref(false)
  const error = ref(null)

  async function load() {
    loading.value = true
    error.value = null
    try {
      const result = await fetchPage({ ...clean(filters), page: page.value, per_page: perPage.value })
      items.value = result.items
      total.value = result.total ?? result.items.length
    } catch (failure) {
      error.value = failure
      items.value = []
      total.value = 0
    } finally {
      loading.value = false
    }
  }

  function syncUrl() {
    const query = { ...clean(filters) }
    if (page.value > 1) query.page = String(page.value)
    if (perPage.value !== 20) query.per_page = String(perPage.value)
    router.replace({ query })
  }

  function search() {
    page.value = 1
    syncUrl()
    return load()
  }

  function reset() {
    for (const key of Object.keys(filters)) filters[key] = defaults[key]
    return search()
  }

  watch([page, perPage], () => {
    syncUrl()
    load()
  })

  load()
  return { filters, page, perPage, items, total, loading, error, load, search, reset }
}

function pick(query, defaults) {
  const picked = {}
  for (const key of Object.keys(defaults)) if (query[key] !== undefined) picked[key] = query[key]
  return picked
}

function clean(filters) {
  const out = {}
  for (const [key, value] of Object.entries(filters)) if (value !== '' && value !== null && value !== undefined) out[key] = value
  return out
}
