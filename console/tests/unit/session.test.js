import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'

import { useSession } from '../../src/stores/session'

function me(status, error) {
  globalThis.fetch = vi.fn(async () => new Response(JSON.stringify({ error }), { status }))
}

describe('session store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('keeps why a session ended, to show on the log-in page after a reload', async () => {
    me(401, { code: 'session_idle', message: '长时间未操作，请重新登录' })
    const session = useSession()
    await session.load()
    expect(session.account).toBeNull()
    expect(session.notice).toBe('长时间未操作，请重新登录')
  })

  it('says nothing to a visitor who has not logged in', async () => {
    me(401, { code: 'unauthenticated', message: '请先登录' })
    const session = useSession()
    await session.load()
    expect(session.account).toBeNull()
    expect(session.notice).toBe('')
  })
})
