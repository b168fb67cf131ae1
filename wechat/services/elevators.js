// Elevators as the technician meets them on site.
const http = require('../utils/request');

function byPublicCode(publicCode) {
  return http.get(`/elevators/by-public-code/${encodeURIComponent(publicCode)}`);
}

function get(elevatorId) {
  return http.get(`/elevators/${elevatorId}`);
}

// Confirm (or complete) the elevator's data and its location on site; every confirmation is kept as history.
// point: {lat, lng, accuracy_m, coord_system, captured_at}; completions: empty registry fields filled in on site.
// Answers {location, elevator}.
function confirmSite(elevatorId, point, completions) {
  return http.post(`/elevators/${elevatorId}/site-confirmations`, { location: point, completions: completions || {} });
}

// The elevators the caller may see (a use unit: its own), for choosing one; the largest page.
async function list() {
  const page = await http.get('/elevators', { per_page: 100 });
  return page.items || [];
}

module.exports = { byPublicCode, get, confirmSite, list };
