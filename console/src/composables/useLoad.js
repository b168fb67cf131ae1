// Load something from the API for a page: loading flag, the ApiError if any, and `notFound` for a 404 (a foreign
// or unknown id), which pages show as <NotFoundView>.
import { ref } from 'vue'

export function useLoad(loader, { immediate = true } = {}) {
  const data = ref(null)
  const loading = ref(false)
  const error = ref(null)
  const notFound = ref(false)

  async function reload(...args) {
    loading.value = true
    error.value = null
    try {
      data.value = await loader(...args)
      notFound.value = false
    } catch (failure) {
      error.value = failure
      notFound.value = failure.status === 404
      if (failure.status !== 404 && failure.status !== 401) throw failure
    } finally {
      loading.value = false
    }
    return data.value
  }

  if (immediate) reload().catch(() => {})
  return { data, loading, error, notFound, reload }
}
