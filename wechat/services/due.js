// Due dates and delay notices, as the supervisor's day needs them. Endpoint paths live only here.
const http = require('../utils/request');

// Half-monthly maintenance overdue as of a day (YYYY-MM-DD, Beijing time; default today), most overdue first.
// Each row: {elevator_id, device_code, address, due_on, days_overdue, excused, notice_ids}.
async function overdue(asOf) {
  const query = { per_page: 100 };
  if (asOf) query.as_of = asOf;
  const page = await http.get('/overdue', query);
  return page.items || [];
}

// Delay notices (维保延期说明) the caller may see, newest first; each names its elevators.
async function delayNotices() {
  const page = await http.get('/delay-notices', { per_page: 50 });
  return page.items || [];
}

module.exports = { overdue, delayNotices };
