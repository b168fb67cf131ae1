import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { ApiError, api, apiUrl, readCookie, setUnauthenticatedHandler } from '../../src/api/client'

function respond(status, body) {
  return Promise.resolve(
    new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' },
    }),
  )
}

describe('api client', () => {
  let fetchMock
  beforeEach(() => {
    fetchMock = vi.fn()
    globalThis.fetch = fetchMock
    document.cookie = 'miniback_csrf=abc123; path=/'
  })
  afterEach(() => {
    setUnauthenticatedHandler(() => {})
    document.cookie = 'miniback_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/'
  })

  it('sends the CSRF cookie back as a header on state-changing requests only', async () => {
    fetchMock.mockImplementation(() => respond(200, { ok: true }))
    await api.post('/staff', { name: '张三' })
    await api.get('/staff')
    const [postUrl, post] = fetchMock.mock.calls[0]
    const [, get] = fetchMock.mock.calls[1]
    expect(postUrl).toBe('/api/v1/staff')
    expect(post.headers['X-CSRF-Token']).toBe('abc123')
    expect(post.credentials).toBe('same-origin')
    expect(post.body).toBe('{"name":"张三"}')
    expect(get.headers['X-CSRF-Token']).toBeUndefined()
  })

  it('turns the error shape into an ApiError with its fields', async () => {
    fetchMock.mockImplementation(() =>
      respond(422, { error: { code: 'validation_error', message: '请检查填写的内容', fields: { name: '必填' } } }),
    )
    const failure = await api.post('/staff', {}).catch((error) => error)
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure.status).toBe(422)
    expect(failure.code).toBe('validation_error')
    expect(failure.fields).toEqual({ name: '必填' })
    expect(failure.message).toBe('请检查填写的内容')
  })

  it('reports a 401 to the handler, except where the caller handles it itself', async () => {
    const seen = []
    setUnauthenticatedHandler((error) => seen.push(error.code))
    fetchMock.mockImplementation(() => respond(401, { error: { code: 'session_idle', message: '长时间未操作' } }))
    await api.get('/me').catch(() => {})
    await api.get('/me', undefined, { quiet401: true }).catch(() => {})
    expect(seen).toEqual(['session_idle'])
  })

  it('gives a Chinese message when the server cannot be reached or answers without the error shape', async () => {
    fetchMock.mockImplementation(() => Promise.reject(new TypeError('Failed to fetch')))
    expect((await api.get('/me').catch((error) => error)).message).toBe('无法连接服务器，请检查网络后重试')
    fetchMock.mockImplementation(() => Promise.resolve(new Response('<html>', { status: 502 })))
    expect((await api.get('/me').catch((error) => error)).message).toBe('服务器出错，请稍后重试')
  })

  it('returns null for 204 and builds query strings without empty values', async () => {
    fetchMock.mockImplementation(() => respond(204))
    expect(await api.del('/me/sessions/3')).toBeNull()
    expect(apiUrl('/records', { a: '', b: null, c: 0, d: ['x', 'y'], e: '天河区' })).toBe(
      '/api/v1/records?c=0&d=x&d=y&e=%E5%A4%A9%E6%B2%B3%E5%8C%BA',
    )
  })

  it('reads one cookie among several', () => {
    expect(readCookie('b', 'a=1; b=two%3D2; c=3')).toBe('two=2')
    expect(readCookie('z', 'a=1')).toBe('')
  })
})
