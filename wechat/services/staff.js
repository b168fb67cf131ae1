// The use unit admin's people in WeChat: its safety managers and their one-time bind codes.
const http = require('../utils/request');

async function managers() {
  const page = await http.get('/staff', { role: 'uu_manager', active: true, per_page: 100 });
  return page.items || [];
}

// A fresh one-time code for the manager (earlier unused codes stop working): {bind_code, expires_in_seconds}.
function issueBindCode(accountId) {
  return http.post(`/staff/${accountId}/bind-code`);
}

module.exports = { managers, issueBindCode };
