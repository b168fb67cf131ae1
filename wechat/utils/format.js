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

module.exports = { shanghaiTime };
