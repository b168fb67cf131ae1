// Chart options for the dashboards, from figures the API counted (pure functions: the console counts nothing).
const FONT = '"PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
// No entry animation: the figures are there at once (and ECharts' `finished` fires on the first frame drawn).
const ANIMATION = { animation: false }
// ECharts writes a Chinese description of every value into the chart's aria-label (screen readers, tests).
function aria(data = {}) {
  return { aria: { enabled: true, label: { data: { maxCount: 30, ...data } } } }
}

function emptyTitle(text) {
  return { text, left: 'center', top: 'middle', textStyle: { color: '#909399', fontSize: 14, fontWeight: 'normal' } }
}

/** A pie of `slices` ([{name, value, color}]); with nothing to show, the chart says `emptyText` instead. No legend:
 * the page lists the slices beside it as links, zeros included. */
export function pieOption(slices, { emptyText = '暂无数据' } = {}) {
  const shown = slices.filter((slice) => slice.value > 0)
  return {
    ...ANIMATION,
    ...aria(),
    textStyle: { fontFamily: FONT },
    title: shown.length ? undefined : emptyTitle(emptyText),
    tooltip: { trigger: 'item', formatter: '{b}：{c} 条（{d}%）' },
    series: [
      {
        type: 'pie',
        radius: ['38%', '66%'],
        center: ['50%', '50%'],
        avoidLabelOverlap: true,
        percentPrecision: 0,
        // Percentages only beside the slices (they stay short on a tablet); names and counts are listed below.
        label: { formatter: '{d}%' },
        data: shown.map((slice) => ({ name: slice.name, value: slice.value, itemStyle: { color: slice.color } })),
      },
    ],
  }
}

/** Vertical bars of `bars` ([{name, value}]), e.g. elevators per district. */
export function barOption(bars, { unit = '台', color = '#2f7de1', emptyText = '暂无数据' } = {}) {
  const any = bars.some((bar) => bar.value > 0)
  return {
    ...ANIMATION,
    // A bar's first dimension is its place on the category axis: only the value is worth saying.
    ...aria({ excludeDimensionId: [0] }),
    textStyle: { fontFamily: FONT },
    title: any ? undefined : emptyTitle(emptyText),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (value) => value + ' ' + unit },
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: bars.map((bar) => bar.name),
      axisLabel: { interval: 0, rotate: bars.length > 6 ? 40 : 0 },
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        type: 'bar',
        barMaxWidth: 36,
        itemStyle: { color, borderRadius: [3, 3, 0, 0] },
        label: { show: true, position: 'top' },
        data: bars.map((bar) => ({ name: bar.name, value: bar.value })),
        cursor: 'pointer',
      },
    ],
  }
}

/** Stacked vertical bars per day: `days` are the axis labels, `series` [{name, color, values}] one value per day
 * (e.g. a platform's uploads per day: created, duplicates, rejected). */
export function stackedBarOption(days, series, { unit = '条', emptyText = '暂无数据' } = {}) {
  const any = series.some((one) => one.values.some((value) => value > 0))
  return {
    ...ANIMATION,
    ...aria({ excludeDimensionId: [0] }),
    textStyle: { fontFamily: FONT },
    title: any ? undefined : emptyTitle(emptyText),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (value) => value + ' ' + unit },
    legend: any ? { top: 0, data: series.map((one) => one.name) } : undefined,
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: days, axisLabel: { rotate: days.length > 10 ? 40 : 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: series.map((one) => ({
      name: one.name,
      type: 'bar',
      stack: 'total',
      barMaxWidth: 28,
      itemStyle: { color: one.color },
      data: one.values,
    })),
  }
}

/** A line of one indicator over time (statistics series): `points` [{name, value}] (null: no figure that period,
 * drawn as a gap, never as a zero); `unit` after the values. */
export function lineOption(points, { unit = '', color = '#2f7de1', emptyText = '暂无数据' } = {}) {
  const any = points.some((point) => point.value !== null && point.value !== undefined)
  return {
    ...ANIMATION,
    ...aria({ excludeDimensionId: [0] }),
    textStyle: { fontFamily: FONT },
    title: any ? undefined : emptyTitle(emptyText),
    tooltip: {
      trigger: 'axis',
      valueFormatter: (value) => (value === null || value === undefined ? '—' : value + (unit ? ' ' + unit : '')),
    },
    grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: points.map((point) => point.name),
      axisLabel: { rotate: points.length > 12 ? 40 : 0 },
    },
    yAxis: { type: 'value', axisLabel: { formatter: unit === '%' ? '{value}%' : '{value}' } },
    series: [
      {
        type: 'line',
        connectNulls: false,
        symbolSize: 7,
        itemStyle: { color },
        label: { show: points.length <= 12, position: 'top' },
        data: points.map((point) => ({ name: point.name, value: point.value })),
        cursor: 'pointer',
      },
    ],
  }
}

/** Horizontal bars of a ranking, first at the top: `rows` [{name, value}]. */
export function rankingOption(rows, { unit = '', color = '#e6a23c', emptyText = '暂无数据' } = {}) {
  const any = rows.some((row) => row.value !== null && row.value !== undefined)
  const reversed = [...rows].reverse()
  return {
    ...ANIMATION,
    ...aria({ excludeDimensionId: [0] }),
    textStyle: { fontFamily: FONT },
    title: any ? undefined : emptyTitle(emptyText),
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (value) => (value === null || value === undefined ? '—' : value + (unit ? ' ' + unit : '')),
    },
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', axisLabel: { formatter: unit === '%' ? '{value}%' : '{value}' } },
    yAxis: { type: 'category', data: reversed.map((row) => row.name), axisLabel: { width: 160, overflow: 'truncate' } },
    series: [
      {
        type: 'bar',
        barMaxWidth: 18,
        itemStyle: { color, borderRadius: [0, 3, 3, 0] },
        label: { show: true, position: 'right' },
        data: reversed.map((row) => ({ name: row.name, value: row.value })),
        cursor: 'pointer',
      },
    ],
  }
}
