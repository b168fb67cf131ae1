import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import { routes } from '../../src/router/areas/elevators'
import { useSession } from '../../src/stores/session'
import ElevatorDetailView from '../../src/views/elevators/ElevatorDetailView.vue'

const ELEVATOR = {
  id: 7,
  public_code: 'pub7code7pub7',
  device_code: '31104401012026000777',
  registration_code: null,
  use_certificate_no: null,
  rescue_code: '44010777',
  elevator_type: 'traction',
  make: '广州日立',
  model: null,
  rated_load_kg: 1000,
  rated_speed_mps: '1.75',
  stops: 18,
  address: '广州市天河区体育西路 191 号<b>粗</b>',
  district: '天河区',
  position: 'B 座 2 号梯',
  use_unit_id: 3,
  use_unit_name: '测试物业',
  maintenance_unit_id: 1,
  maintenance_unit_name: '广州测试电梯维保有限公司',
  status: 'in_service',
  created_at: '2026-12-03T03:00:00Z',
}
const LOCATION = {
  id: 1, elevator_id: 7, kind: 'initial', lat: '23.1200000', lng: '113.3200000', accuracy_m: '12.0',
  coord_system: 'wgs84', lat_gcj02: '23.1173512', lng_gcj02: '113.3253481', distance_m: null,
  captured_by_id: 9, captured_at: '2026-12-03T03:00:00Z', received_at: '2026-12-03T03:00:01Z',
}
const DUE = {
  elevator_id: 7,
  as_of: '2026-12-20',
  categories: [
    { category: 'half_month', last_on: null, due_on: '2026-12-18', overdue: true, excused: false, notice_ids: [] },
    { category: 'quarter', last_on: null, due_on: '2027-03-03', overdue: false, excused: false, notice_ids: [] },
  ],
}

function answer(url) {
  const path = url.replace('/api/v1', '').split('?')[0]
  const bodies = {
    '/elevators/7': ELEVATOR,
    '/elevators/7/due': DUE,
    '/elevators/7/locations': { items: [LOCATION], page: 1, per_page: 100, total: 1 },
    '/elevators/7/assignments': { items: [], page: 1, per_page: 100, total: 0 },
    '/elevators/7/history': { items: [], page: 1, per_page: 20, total: 0 },
  }
  if (!(path in bodies)) return new Response(JSON.stringify({ error: { code: 'not_found', message: '找不到该电梯' } }), { status: 404 })
  return new Response(JSON.stringify(bodies[path]), { status: 200, headers: { 'Content-Type': 'application/json' } })
}

async function open(path, role) {
  setActivePinia(createPinia())
  const session = useSession()
  session.account = { id: 1, role, name: '管理员' }
  session.loaded = true
  const router = createRouter({ history: createMemoryHistory(), routes: [...routes, { path: '/records', component: { template: '<div />' } }].map((r) => ({ ...r, path: r.path.startsWith('/') ? r.path : '/' + r.path })) })
  router.push(path)
  await router.isReady()
  const wrapper = mount(ElevatorDetailView, { global: { plugins: [ElementPlus, router] }, attachTo: document.body })
  await flushPromises()
  await flushPromises()
  return wrapper
}

describe('elevator detail', () => {
  let warnings
  beforeEach(() => {
    globalThis.fetch = vi.fn(async (url) => answer(url))
    globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} }
    warnings = vi.spyOn(console, 'warn').mockImplementation(() => {})
  })
  afterEach(() => {
    warnings.mockRestore()
    document.body.innerHTML = ''
  })

  it('says a registration matched an existing elevator and shows its facts as text', async () => {
    const wrapper = await open('/elevators/7?registered=matched', 'mu_admin')
    expect(wrapper.text()).toContain('已匹配到已登记的电梯')
    expect(wrapper.text()).toContain('广州市天河区体育西路 191 号<b>粗</b>')
    expect(wrapper.find('b').exists()).toBe(false)
    expect(wrapper.text()).toContain('已逾期')
    const map = wrapper.findAll('a').find((link) => link.text().includes('在高德地图中查看'))
    expect(map.attributes('href')).toContain('position=113.3253481,23.1173512')
    expect(map.attributes('target')).toBe('_blank')
    expect(wrapper.find('img.label-png').attributes('src')).toMatch(/^\/api\/v1\/elevators\/7\/label\.png\?v=[0-9a-z]+$/)
    expect(warnings.mock.calls.filter(([message]) => String(message).includes('[Vue warn]'))).toEqual([])
  })

  it('opens the transfer dialog with its warning for the unit admin', async () => {
    const wrapper = await open('/elevators/7', 'mu_admin')
    const transfer = wrapper.findAll('button').find((button) => button.text() === '移交')
    await transfer.trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('本单位将不能再打开这台电梯')
    expect(warnings.mock.calls.filter(([message]) => String(message).includes('[Vue warn]'))).toEqual([])
  })

  it('shows inspectors no edit, transfer or label', async () => {
    const wrapper = await open('/elevators/7', 'inspector')
    const buttons = wrapper.findAll('button').map((button) => button.text())
    expect(buttons).not.toContain('编辑')
    expect(buttons).not.toContain('移交')
    expect(wrapper.find('img.label-png').exists()).toBe(false)
    expect(wrapper.text()).toContain('维保记录')
  })
})
