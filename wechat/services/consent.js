// The use unit admin's consent to the default confirmation (四(三)): the current rules and the unit's consent.
const http = require('../utils/request');

// {version, published_at, deadline_rule, min_window_minutes, objection_period_days, body, text_sha256}
function rules() {
  return http.get('/signoff-rules');
}

// {use_unit_id, current_version, consented, consent, history, renewed_record_ids}
function ofUnit(unitId) {
  return http.get(`/use-units/${unitId}/consent`);
}

// Accept the version read (its text's SHA-256 is sent back: a text changed meanwhile is refused).
function accept(unitId, shown) {
  return http.post(`/use-units/${unitId}/consent`, { version: shown.version, text_sha256: shown.text_sha256 });
}

module.exports = { rules, ofUnit, accept };
