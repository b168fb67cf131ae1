import { describe, expect, it, vi } from 'vitest'

vi.mock('element-plus', () => ({ ElMessage: { success: vi.fn(), error: vi.fn() } }))

import { ApiError } from '../../src/api/client'
import { flattenFields, useApiForm } from '../../src/composables/useApiForm'

describe('useApiForm', () => {
  it('sends one request however often submit is clicked while one is in flight', async () => {
    let release
    const send = vi.fn(() => new Promise((resolve) => { release = resolve }))
    const form = useApiForm(send)
    const first = form.submit()
    const second = form.submit()
    expect(form.submitting.value).toBe(true)
    release({ id: 1 })
    expect(await first).toEqual({ id: 1 })
    expect(await second).toBeUndefined()
    expect(send).toHaveBeenCalledTimes(1)
    expect(form.submitting.value).toBe(false)
  })

  it('puts the API field errors next to their fields and clears them on the next try', async () => {
    const send = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(422, { message: '请检查', fields: { name: '必填', admin: { username: '已存在' } } }))
      .mockResolvedValueOnce({ ok: true })
    const form = useApiForm(send)
    expect(await form.submit()).toBeUndefined()
    expect(form.errors).toEqual({ name: '必填', 'admin.username': '已存在' })
    expect(form.failure.value).toBe('请检查')
    await form.submit()
    expect(form.errors).toEqual({})
  })

  it('does not swallow programming errors', async () => {
    const form = useApiForm(() => { throw new TypeError('boom') })
    await expect(form.submit()).rejects.toThrow('boom')
  })

  it('flattens nested and list field errors', () => {
    expect(flattenFields({ a: ['x', 'y'], b: { c: 1 } })).toEqual({ a: 'x；y', 'b.c': '1' })
  })
})
