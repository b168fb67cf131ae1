// A form that writes through the API: field errors from the API's `fields` shown next to their fields, what the
// user typed kept, and one request at a time (a double click on submit sends one request, so creates one object).
import { ElMessage } from 'element-plus'
import { reactive, ref } from 'vue'

export function useApiForm(send, { success } = {}) {
  const errors = reactive({})
  const submitting = ref(false)
  const failure = ref('')

  function clearErrors() {
    for (const key of Object.keys(errors)) delete errors[key]
    failure.value = ''
  }

  async function submit(...args) {
    if (submitting.value) return undefined
    submitting.value = true
    clearErrors()
    try {
      const result = await send(...args)
      if (success) ElMessage.success(success)
      return result
    } catch (error) {
      if (!error || error.name !== 'ApiError') throw error
      Object.assign(errors, flattenFields(error.fields))
      failure.value = error.message
      if (error.status !== 401) ElMessage.error(error.message)
      return undefined
    } finally {
      submitting.value = false
    }
  }

  return { errors, submitting, failure, submit, clearErrors }
}

/** `{"admin": {"username": "…"}}` → `{"admin.username": "…"}`: nested bodies have nested field errors. */
export function flattenFields(fields, prefix = '') {
  const flat = {}
  for (const [key, value] of Object.entries(fields || {})) {
    const name = prefix ? prefix + '.' + key : key
    if (value && typeof value === 'object' && !Array.isArray(value)) Object.assign(flat, flattenFields(value, name))
    else flat[name] = Array.isArray(value) ? value.join('；') : String(value)
  }
  return flat
}
