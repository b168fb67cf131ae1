// The only caller of fetch: same-origin cookie session, the CSRF header on every state-changing request, and one
// error shape (ApiError) out of the API's {"error": {code, message, fields}}.

export const API_BASE = '/api/v1'
const CSRF_COOKIE = 'miniback_csrf'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export class ApiError extends Error {
  constructor(status, error = {}) {
    super(error.message || defaultMessage(status))
    this.name = 'ApiError'
    this.status = status
    this.code = error.code || 'http_' + status
    this.fields = error.fields || {}
  }
}

function defaultMessage(status) {
  if (status === 0) return '无法连接服务器，请检查网络后重试'
  if (status === 403) return '没有权限执行此操作'
  if (status === 404) return '找不到该内容，或您无权查看'
  if (status >= 500) return '服务器出错，请稍后重试'
  return '请求失败（' + status + '）'
}

let unauthenticatedHandler = () => {}

/** Called with the ApiError of any 401 except the log-in form's own. */
export function setUnauthenticatedHandler(handler) {
  unauthenticatedHandler = handler
}

export function readCookie(name, cookies = document.cookie) {
  for (const part of cookies.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return decodeURIComponent(rest.join('='))
  }
  return ''
}

/** `/api/v1` + path + query string; arrays repeat the key, empty values are left out. */
export function apiUrl(path, query = {}) {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query || {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null && item !== '') params.append(key, String(item))
    }
  }
  const qs = params.toString()
  return API_BASE + path + (qs ? '?' + qs : '')
}

export async function request(method, path, { query, body, blob = false, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (!SAFE_METHODS.has(method)) headers['X-CSRF-Token'] = readCookie(CSRF_COOKIE)
  let response
  try {
    response = await fetch(apiUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    })
  } catch {
    throw new ApiError(0)
  }
  if (!response.ok) {
    let error = {}
    try {
      error = (await response.json()).error || {}
    } catch {
      error = {}
    }
    const failure = new ApiError(response.status, error)
    if (response.status === 401 && !quiet401) unauthenticatedHandler(failure)
    throw failure
  }
  if (response.status === 204) return null
  if (blob) return response.blob()
  return response.json()
}

export const api = {
  get: (path, query, options) => request('GET', path, { ...options, query }),
  post: (path, body = {}, options) => request('POST', path, { ...options, body }),
  put: (path, body = {}, options) => request('PUT', path, { ...options, body }),
  patch: (path, body = {}, options) => request('PATCH', path, { ...options, body }),
  del: (path, options) => request('DELETE', path, options),
}
