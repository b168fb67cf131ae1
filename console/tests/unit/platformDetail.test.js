import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import { routes } from '../../src/router/areas/platform'
import { useSession } from '../../src/stores/session'
import PlatformDetailView from '../../src/views/platform/PlatformDetailView.vue'

const KEY = {
  key_id: 'pk_abcdefghijklmnopqrst', algorithm: 'ed25519', fingerprint: 'f'.repeat(64), public_key_pem: 'PEM',
  created_at: '2026-12-03T03:00:00Z', retired_at: null, active: true,
}
const PLATFORM = {
  id: 3, code: 'yueti-cloud', name: '粤梯云<b>平台</b>', company_name: '广州粤梯科技有限公司',
  company_credit_code: '91440101MA59XXXX1A', contact_name: '陈工', contact_phone: '020-38881234', contact_email: null,
  callback_url: null, status: 'testing', status_reason: null, status_changed_at: '2026-12-03T03:00:00Z',
  connected_at: null, created_at: '2026-12-03T03:00:00Z', sandbox: true, keys: [KEY], authorised_units: 0,
}
const CODES = ['single_upload', 'batch_with_invalid', 'idempotent_retry', 'conflict_409', 'delay_notice', 'callback_acked']

function report(passed) {
  return {
    all_passed: passed === CODES.length,
    scenarios: CODES.map((code, index) => ({ code, title: '场景' + index, passed: index < passed, at: null, detail: '' })),
  }
}

let bodies
let posts

function json(body, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

async function open(platform, passed) {
  bodies = {
    '/platforms/3': platform,
    '/platforms/3/conformance': report(passed),
    '/platforms/3/events': { items: [], page: 1, per_page: 100, total: 0 },
  }
  posts = []
  globalThis.fetch = vi.fn(async (url, init = {}) => {
    const path = url.replace('/api/v1', '').split('?')[0]
    if (init.method === 'POST') {
      posts.push({ path, body: JSON.parse(init.body) })
      return json({ ...platform, status: 'connected', status_reason: JSON.parse(init.body).reason })
    }
    if (!(path in bodies)) return json({ error: { code: 'not_found', message: '找不到' } }, 404)
    return json(bodies[path])
  })
  setActivePinia(createPinia())
  const session = useSession()
  session.account = { id: 1, role: 'platform_operator', name: '监控中心' }
  session.loaded = true
  const router = createRouter({
    history: createMemoryHistory(),
    routes: routes.map((route) => ({ ...route, path: '/' + route.path })),
  })
  router.push('/platform/platforms/3')
  await router.isReady()
  const wrapper = mount(PlatformDetailView, { global: { plugins: [ElementPlus, router] }, attachTo: document.body })
  await flushPromises()
  await flushPromises()
  return wrapper
}

function button(wrapper, text) {
  return wrapper.findAll('button').find((one) => one.text() === text)
}

describe('platform detail', () => {
  let warnings
  beforeEach(() => {
    globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} }
    warnings = vi.spyOn(console, 'warn').mockImplementation(() => {})
  })
  afterEach(() => {
    warnings.mockRestore()
    document.body.innerHTML = ''
  })

  it('opens a sandbox platform on its report, with going live disabled until every scenario passed', async () => {
    const wrapper = await open(PLATFORM, 5)
    expect(wrapper.text()).toContain('粤梯云<b>平台</b>')
    expect(wrapper.find('.title-row b').exists()).toBe(false)
    expect(wrapper.findAll('.scenarios .pass')).toHaveLength(5)
    expect(wrapper.findAll('.scenarios .fail')).toHaveLength(1)
    expect(button(wrapper, '上线').attributes('disabled')).toBeDefined()
    expect(button(wrapper, '撤销').attributes('disabled')).toBeUndefined()
    expect(warnings.mock.calls.filter(([message]) => String(message).includes('[Vue warn]'))).toEqual([])
  })

  it('goes live once green, with the reason the operator confirmed', async () => {
    const wrapper = await open(PLATFORM, 6)
    const promote = button(wrapper, '上线')
    expect(promote.attributes('disabled')).toBeUndefined()
    await promote.trigger('click')
    await flushPromises()
    const dialog = document.querySelector('.el-dialog')
    expect(dialog.textContent).toContain('对接测试中 → 已完成对接')
    const confirm = [...dialog.querySelectorAll('button')].find((one) => one.textContent.trim() === '上线')
    confirm.click()
    await flushPromises()
    expect(posts).toEqual([{ path: '/platforms/3/status', body: { status: 'connected', reason: '对接测试全部通过，准予上线' } }])
  })

  it('refuses to suspend without a reason, sending nothing', async () => {
    const wrapper = await open({ ...PLATFORM, status: 'connected', sandbox: false, connected_at: '2026-12-03T04:00:00Z' }, 6)
    await button(wrapper, '暂停').trigger('click')
    await flushPromises()
    const dialog = document.querySelector('.el-dialog')
    const confirm = [...dialog.querySelectorAll('button')].find((one) => one.textContent.trim() === '暂停')
    confirm.click()
    await flushPromises()
    const reason = dialog.querySelector('.el-form-item')
    expect(reason.classList.contains('is-error')).toBe(true)
    await vi.waitFor(() => expect(reason.textContent).toContain('请填写原因'))
    expect(posts).toEqual([])
  })
})
