// The names of the platforms that uploaded records (a record's source is "platform:<code>"), for 平台上传：<name>.
// A record that carries its platform's name (`source_name`) needs nothing; otherwise the names come once per page
// load from the platforms list the role may read (the operator: every platform; a maintenance unit admin: those it
// may authorise), else from the public list of connected platforms. A code with no known name shows as itself.
import { computed, ref, watch } from 'vue'

import { api } from '../api/client'
import { sourcePlatformCode, sourceText } from '../labels'
import { useSession } from '../stores/session'

const names = ref(new Map())
let loading = null

function platformsOf(answer) {
  return Array.isArray(answer) ? answer : answer?.items || answer?.platforms || []
}

async function loadNames(role) {
  const own = ['platform_operator', 'mu_admin'].includes(role)
  const answer = await (own ? api.get('/platforms', { per_page: 100 }) : api.get('/public/platforms'))
  names.value = new Map(platformsOf(answer).filter((item) => item.code).map((item) => [item.code, item.name]))
}

/** `sourceOf(record)`: the record's source in words; `records` is a ref/getter of the shown records. */
export function usePlatformNames(records) {
  const session = useSession()
  const needed = computed(() =>
    (records() || []).some((record) => {
      const code = sourcePlatformCode(record?.source)
      return code && !record.source_name && !names.value.has(code)
    }),
  )
  watch(
    needed,
    (need) => {
      if (need && !loading) {
        loading = loadNames(session.role).catch(() => {
          loading = null // names are a nicety: the code is shown instead, and a later page may try again
        })
      }
    },
    { immediate: true },
  )
  function sourceOf(record) {
    const code = sourcePlatformCode(record?.source)
    return sourceText(record?.source, record?.source_name || (code && names.value.get(code)))
  }
  return { sourceOf }
}
