// Preview states of pages/consent/index: the use unit admin reads the default-confirmation rules and agrees.
const RULES = {
  version: 1,
  published_at: '2026-12-03T00:00:00+00:00',
  deadline_rule:
    '维保记录提交后推送给使用单位安全管理人员签名确认；签名确认期限为该次维保当日结束时（北京时间 24:00），但自推送起不少于最短签名时限。',
  min_window_minutes: 120,
  objection_period_days: 7,
  body:
    '《默认签名确认规则》（第 1 版）\n\n一、签名确认期限：维保记录提交后，平台即推送给本单位的电梯安全管理人员签名确认。签名确认期限为该次维保当日结束时（北京时间 24:00），但自推送起不少于 120 分钟（最短签名时限）。\n\n二、默认签名确认：期限届满仍未签名、也未提出异议的，平台视为本单位已签名确认（默认签名确认），并在该记录的签名确认记录中注明本同意书。\n\n三、异议期：默认签名确认后 7 日内，本单位安全管理人员可对该记录提出异议，由维保单位处理；异议处理结果记入该记录。\n\n四、本单位已知悉并同意上述规则。',
  text_sha256: '5f1c0d7e9a3b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d',
};
const CONSENT = {
  id: 4,
  rule_version: 1,
  text_sha256: RULES.text_sha256,
  accepted_at: '2026-12-03T02:15:00+00:00',
  accepted_by_name: '物业管理员',
};
const unit = (consented, extra = {}) => ({
  statusCode: 200,
  data: {
    use_unit_id: 7,
    current_version: 1,
    consented,
    consent: consented ? CONSENT : null,
    history: consented ? [CONSENT] : [],
    renewed_record_ids: [],
    ...extra,
  },
});
const rules = { statusCode: 200, data: RULES };

module.exports = {
  session: { id: 20, role: 'uu_admin', name: '物业管理员', use_unit_id: 7 },
  states: {
    loading: { requests: { 'GET /signoff-rules': 'pending', 'GET /use-units/7/consent': 'pending' } },
    error: { requests: { 'GET /signoff-rules': { fail: 'request:fail timeout' }, 'GET /use-units/7/consent': unit(false) } },
    typical: {
      description: '尚未同意：阅读规则后勾选并同意',
      requests: { 'GET /signoff-rules': rules, 'GET /use-units/7/consent': unit(false) },
    },
    consented: {
      description: '已同意当前版本',
      requests: { 'GET /signoff-rules': rules, 'GET /use-units/7/consent': unit(true) },
    },
    accepted: {
      description: '刚刚同意，3 条超期未签名的记录重新开放签名',
      requests: {
        'GET /signoff-rules': rules,
        'GET /use-units/7/consent': unit(false),
        'POST /use-units/7/consent': { statusCode: 201, data: unit(true, { renewed_record_ids: [41, 42, 43] }).data },
      },
      act: async ({ page }) => {
        page.instance.toggleRead();
        await page.instance.accept();
      },
    },
  },
};
