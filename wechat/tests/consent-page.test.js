// The use unit admin in WeChat reads the default-confirmation rules and accepts them for the unit: the version and
// the SHA-256 of the text read are sent back; a second tap sends one consent; a refusal is shown in Chinese.
const { routeRequests } = require('./wx-mock');
const { clearPhone, settle, pageRenderer } = require('./pages-helper');
const tokenStore = require('../utils/token-store');

const render = pageRenderer('consent');

const RULES = {
  statusCode: 200,
  data: {
    version: 2,
    published_at: '2026-12-03T00:00:00+00:00',
    deadline_rule: '维保当日 24:00，但自推送起不少于最短签名时限',
    min_window_minutes: 120,
    objection_period_days: 7,
    body: '《默认签名确认规则》（第 2 版）\n\n一、签名确认期限……',
    text_sha256: 'a'.repeat(64),
  },
};
const NONE = { statusCode: 200, data: { use_unit_id: 5, current_version: 2, consented: false, consent: null, history: [] } };
const OLD = {
  statusCode: 200,
  data: {
    use_unit_id: 5,
    current_version: 2,
    consented: false,
    consent: { id: 3, rule_version: 1 },
    history: [{ id: 3, rule_version: 1, accepted_by_name: '物业管理员', accepted_at: '2026-11-01T02:00:00+00:00', text_sha256: 'b'.repeat(64) }],
  },
};
const ACCEPTED = {
  statusCode: 201,
  data: {
    use_unit_id: 5,
    current_version: 2,
    consented: true,
    consent: { id: 4, rule_version: 2 },
    history: [{ id: 4, rule_version: 2, accepted_by_name: '物业管理员', accepted_at: '2026-12-03T02:00:00+00:00', text_sha256: 'a'.repeat(64) }],
    renewed_record_ids: [11, 12],
  },
};

beforeEach(() => {
  clearPhone();
  tokenStore.save({
    token: 't',
    expires_at: '2999-01-01T00:00:00+00:00',
    account: { id: 20, role: 'uu_admin', name: '物业管理员', use_unit_id: 5 },
  });
});

test('the rules are shown with their figures, and accepting sends the version and the text hash read', async () => {
  const calls = routeRequests(wx, {
    'GET /signoff-rules': RULES,
    'GET /use-units/5/consent': NONE,
    'POST /use-units/5/consent': ACCEPTED,
  });
  const page = render();
  await settle();
  expect(page.querySelector('.state').dom.textContent).toContain('尚未同意');
  expect(page.dom.textContent).toContain('120 分钟');
  expect(page.dom.textContent).toContain('默认确认后 7 天');
  expect(page.querySelector('.rules-body').dom.textContent).toContain('第 2 版');
  // Not before the admin ticks "read".
  await page.instance.accept();
  expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  page.instance.toggleRead();
  await Promise.all([page.instance.accept(), page.instance.accept()]);
  await settle();
  const posts = calls.filter((c) => c.method === 'POST');
  expect(posts).toHaveLength(1);
  expect(posts[0].data).toEqual({ version: 2, text_sha256: 'a'.repeat(64) });
  expect(page.querySelector('.state').dom.textContent).toContain('已同意现行第 2 版');
  expect(page.querySelector('.done').dom.textContent).toContain('2 条超期未签名的记录已重新开放签名');
  expect(page.querySelector('.accept')).toBeUndefined();
  expect(page.querySelectorAll('.history-row')).toHaveLength(1);
});

test('a unit that agreed to an older version is asked to agree again', async () => {
  routeRequests(wx, { 'GET /signoff-rules': RULES, 'GET /use-units/5/consent': OLD });
  const page = render();
  await settle();
  expect(page.querySelector('.state').dom.textContent).toContain('此前同意第 1 版');
  expect(page.querySelector('.accept')).toBeDefined();
});

test('a refusal is shown in Chinese and nothing is marked agreed', async () => {
  routeRequests(wx, {
    'GET /signoff-rules': RULES,
    'GET /use-units/5/consent': NONE,
    'POST /use-units/5/consent': {
      statusCode: 409,
      data: { error: { code: 'rules_version_outdated', message: '第 2 版不是现行规则，请阅读并同意现行第 3 版' } },
    },
  });
  const page = render();
  await settle();
  page.instance.toggleRead();
  await page.instance.accept();
  await settle();
  expect(page.querySelector('.accept-error').dom.textContent).toContain('现行第 3 版');
  expect(page.querySelector('.state').dom.textContent).toContain('尚未同意');
});
