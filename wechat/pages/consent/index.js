// The use unit admin, in WeChat: read the default-confirmation rules (四(三)) and accept them for the unit.
// Without a consent for the current version, the unit's overdue records are not default-confirmed and its safety
// managers cannot be bound; the first consent reopens signing of the records that were overdue.
const auth = require('../../services/auth');
const consent = require('../../services/consent');
const nav = require('../../utils/navigation');
const { shanghaiTime } = require('../../utils/format');

function historyRow(entry) {
  return {
    id: entry.id,
    version: entry.rule_version,
    who: entry.accepted_by_name || `账号 #${entry.accepted_by_id}`,
    when: shanghaiTime(entry.accepted_at),
    hash: String(entry.text_sha256 || '').slice(0, 16),
  };
}

Component({
  data: {
    status: 'loading',
    message: '',
    rules: null,
    consented: false,
    previousVersion: 0,
    history: [],
    read: false,
    sending: false,
    done: '',
    error: '',
  },

  methods: {
    onLoad() {
      this.load();
    },

    unitId() {
      const account = auth.currentAccount();
      return account && account.use_unit_id;
    },

    async load() {
      this.setData({ status: 'loading', message: '正在加载规则…' });
      try {
        const [rules, state] = await Promise.all([consent.rules(), consent.ofUnit(this.unitId())]);
        this.show(rules, state);
      } catch (err) {
        if (nav.isLoginProblem(err)) nav.restart('login');
        else this.setData({ status: 'error', message: err.message });
      }
    },

    show(rules, state) {
      this.setData({
        status: '',
        rules,
        consented: Boolean(state.consented),
        previousVersion: state.consent && !state.consented ? state.consent.rule_version : 0,
        history: (state.history || []).map(historyRow),
      });
    },

    toggleRead() {
      this.setData({ read: !this.data.read });
    },

    async accept() {
      if (!this.data.read || this.data.sending) return; // one tap, one consent
      this.setData({ sending: true, error: '' });
      try {
        const state = await consent.accept(this.unitId(), this.data.rules);
        this.show(this.data.rules, state);
        const renewed = (state.renewed_record_ids || []).length;
        this.setData({ done: renewed ? `已同意。${renewed} 条超期未签名的记录已重新开放签名。` : '已同意。' });
      } catch (err) {
        this.setData({ error: err.message });
      } finally {
        this.setData({ sending: false });
      }
    },
  },
});
