// The current time, ticking, so "还剩 2 小时" stays true while the page is open.
import { onUnmounted, ref } from 'vue'

export function useNow(everyMs = 30 * 1000) {
  const now = ref(Date.now())
  const timer = setInterval(() => {
    now.value = Date.now()
  }, everyMs)
  onUnmounted(() => clearInterval(timer))
  return now
}
