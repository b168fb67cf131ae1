// A callback's delivery attempts as the callbacks list answers them (a list under `attempts` or `attempt_log`).

export function callbackAttempts(callback) {
  if (Array.isArray(callback.attempts)) return callback.attempts
  if (Array.isArray(callback.attempt_log)) return callback.attempt_log
  return []
}

export function attemptCount(callback) {
  return Array.isArray(callback.attempts) ? callback.attempts.length : callback.attempts ?? callbackAttempts(callback).length
}

/** A delivery counts as acknowledged only with a 2xx answer (Standard Webhooks). */
export function attemptOk(attempt) {
  return Number.isInteger(attempt.status_code) && attempt.status_code >= 200 && attempt.status_code < 300
}
