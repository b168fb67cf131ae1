// The one way into ECharts: a dynamic import, fetched once, the first time a page draws a chart.
let loading = null

/** ECharts' core with the console's charts registered (a promise; the chunk is fetched on the first call). */
export function loadECharts() {
  if (!loading) {
    loading = import('./echarts.js').then(
      (module) => module.default,
      (error) => {
        loading = null // a failed fetch (network) may be retried by the next chart
        throw error
      },
    )
  }
  return loading
}
