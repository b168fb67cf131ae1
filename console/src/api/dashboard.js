// The home dashboards' figures. Each is what an existing endpoint already counts (the `total` of a list asked for
// one item), so the console keeps no counting rules of its own. Full statistics (trends, rankings, drill-down)
// come with the statistics API.
import { api } from './client'

/** The `total` of a paginated list endpoint for `query`. */
export async function listTotal(path, query = {}) {
  const page = await api.get(path, { ...query, page: 1, per_page: 1 })
  return page.total
}

/** The sign-off outcomes in the caller's scope; `pending` counts only records still before their deadline. */
export const SIGNOFF_OUTCOMES = ['signed', 'default_confirmed', 'objected', 'objection_resolved', 'pending']

export async function signoffSplit() {
  const [totals, objectionOpen] = await Promise.all([
    Promise.all(SIGNOFF_OUTCOMES.map((state) => listTotal('/signoff/records', { state }))),
    listTotal('/signoff/records', { objection_open: true }),
  ])
  return { byState: Object.fromEntries(SIGNOFF_OUTCOMES.map((state, i) => [state, totals[i]])), objectionOpen }
}

/** Overdue elevators (half-monthly), and how many of them a delay notice covers. */
export async function overdueFigures() {
  const [all, excused] = await Promise.all([listTotal('/overdue'), listTotal('/overdue', { excused: true })])
  return { all, excused, unexcused: all - excused }
}

/** Elevators in scope, optionally filtered (district, elevator_type …). */
export function elevatorCount(query = {}) {
  return listTotal('/elevators', query)
}

/** Elevators per value of one filter, e.g. per district: one count each, in the order given. */
export async function elevatorsBy(key, values) {
  const totals = await Promise.all(values.map((value) => elevatorCount({ [key]: value })))
  return values.map((value, i) => ({ value, total: totals[i] }))
}

/**
 * Records of the maintenance days `dateFrom`…`dateTo`. The record list pages by cursor and gives no total, so
 * this counts one page of at most `cap`: `{count, more}`, where `more` means there are more than `count`.
 */
export async function recordsBetween(dateFrom, dateTo, cap = 100) {
  const page = await api.get('/records', { date_from: dateFrom, date_to: dateTo, per_page: cap })
  return { count: page.items.length, more: Boolean(page.next_cursor) }
}

/** Unit registrations waiting for the platform operator's approval. */
export async function pendingRegistrations() {
  const [maintenance, use] = await Promise.all([
    listTotal('/maintenance-units', { status: 'pending' }),
    listTotal('/use-units', { status: 'pending' }),
  ])
  return { maintenance, use }
}
