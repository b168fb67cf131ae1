import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import SignoffListView from '../../src/views/signoff/SignoffListView.vue'

const HOUR = 3600 * 1000

function row(overrides) {
  return {
    record_id: 7,
    elevator: { address: '天河区某大厦', position: '1 号梯', device_code: '3110', public_code: 'X' },
    maintenance_day: '2026-12-03',
    state: 'pending',
    round_no: 1,
    deadline_at: new Date(Date.now() + 2 * HOUR + 30 * 1000).toISOString(),
    objection_open: false,
    objection_reason: null,
    push_outcome: 'delivered',
    push_outcome_label: '已推送提醒',
    ...overrides,
  }
}

async function mountAt(query, items) {
  const calls = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url) => {
      calls.push(new URL(url, 'http://x').searchParams)
      return new Response(JSON.stringify({ items, page: 1, per_page: 20, total: items.length }), {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      })
    }),
  )
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/signoff', name: 'signoff', component: SignoffListView }, { path: '/signoff/:id', name: 'signoff-detail', component: { template: '<div />' } }],
  })
  await router.push({ path: '/signoff', query })
  const wrapper = mount(SignoffListView, { global: { plugins: [router, [ElementPlus, { locale: zhCn }]] } })
  await flushPromises()
  return { wrapper, calls, router }
}

afterEach(() => vi.unstubAllGlobals())

describe('sign-off list', () => {
  it('opens on 待签名 and shows how long is left', async () => {
    const { wrapper, calls } = await mountAt({}, [row()])
    expect(calls[0].get('state')).toBe('pending')
    expect(wrapper.text()).toContain('还剩 2 小时')
    expect(wrapper.text()).toContain('已推送提醒')
  })

  it('asks for every open objection on the 有异议 tab, from the URL', async () => {
    const late = row({ state: 'default_confirmed', objection_open: true, objection_reason: '<b>未到场</b>' })
    const { wrapper, calls } = await mountAt({ tab: 'objected' }, [late])
    expect(calls[0].get('objection_open')).toBe('true')
    expect(calls[0].get('state')).toBeNull()
    const body = wrapper.find('.el-table__body').text()
    expect(body).toContain('默认签名确认')
    expect(body).not.toContain('已签名')
    expect(body).toContain('<b>未到场</b>')
    expect(wrapper.find('b').exists()).toBe(false)
    expect(wrapper.text()).toContain('查看异议')
  })

  it('says which tab is empty', async () => {
    const { wrapper } = await mountAt({ tab: 'signed' }, [])
    expect(wrapper.text()).toContain('没有已签名的记录')
  })
})
