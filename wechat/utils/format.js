// Display helpers: times in Asia/Shanghai (UTC+8, no daylight saving), whatever the phone's zone.
function pad(n) {
  return String(n).padStart(2, '0');
}

function shanghaiTime(iso) {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms + 8 * 3600 * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

// The Beijing calendar day (YYYY-MM-DD) of a moment (default now), plus `addDays` days.
function shanghaiDay(ms, addDays) {
  const base = ms === undefined || ms === null ? Date.now() : ms;
  const d = new Date(base + 8 * 3600 * 1000 + (addDays || 0) * 86400 * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

module.exports = { shanghaiTime, shanghaiDay };
