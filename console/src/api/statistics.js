// The statistics API (issue 17, /api/v1/stats/*) and the statistics exports (/api/v1/exports/stats/*). Every figure,
// name and definition comes from the API: the console formats and links them, it computes none.
import { api, apiUrl } from './client'

/** The indicators the API defines: [{code, name, kind, unit, definition, drill}]. */
export async function indicators() {
  return (await api.get('/stats/indicators')).items
}

/** The indicator table: rows per `group_by` value plus the total (see STATS.md). */
export function statsTable(query) {
  return api.get('/stats/table', query)
}

/** One indicator's time series by day or month. */
export function statsSeries(query) {
  return api.get('/stats/series', query)
}

/** Units (districts, use units, platforms) ranked by one indicator. */
export function statsRanking(query) {
  return api.get('/stats/ranking', query)
}

/** The elevators, records or units behind a figure's numerator or denominator (cursor-paged). */
export function statsDrill(query) {
  return api.get('/stats/drill', query)
}

/** The URL of an export (`table` or `drill`, `xlsx` or `csv`) with the same parameters as the screen's request: a
 * plain same-origin link, so the browser downloads it with the session cookie. */
export function statsExportUrl(what, format, query) {
  return apiUrl('/exports/stats/' + what + '.' + format, query)
}

/** The monitoring centre's monthly report (xlsx). */
export function monthlyReportUrl(month) {
  return apiUrl('/exports/monthly-report', { month })
}
