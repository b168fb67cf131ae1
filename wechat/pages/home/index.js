// Home by role: technicians scan; use-unit managers see what waits for their signature.
const auth = require('../../services/auth');
const signoff = require('../../services/signoff');
const records = require('../../services/records');
const nav = require('../../utils/navigation');
const { shanghaiTime } = require('../../utils/format');

const ROLE_LABELS = { technician: '维保人员', mu_supervisor: '维保主管', uu_manager: '使用单位安全管理人员' };

function pendingRow(row) {
  const elevator = row.elevator || {};
  return {
    id: row.record_id,
    elevatorLabel: [elevator.address, elevator.position].filter(Boolean).join(' ') || `记录 #${row.record_id}`,
    maintenanceDay: row.maintenance_day || '',
    deadline: shanghaiTime(row.deadline_at),
    // Shown when the reminder reached nobody (no subscription left, nobody bound, failed): not a silent miss.
    pushProblem: ['no_recipient', 'no_quota', 'failed'].includes(row.push_outcome) ? row.push_outcome_label : '',
  };
}

function categoryLabel(value) {
  const found = records.CATEGORIES.find((c) => c.value === value);
  return found ? found.label : '';
}

function draftRow(draft) {
  return {
    id: draft.id,
    categoryLabel: categoryLabel(draft.category),
    startedAt: shanghaiTime(draft.created_at),
    checkedIn: Boolean(draft.check_in),
  };
}

Component({
  data: {
    account: null,
    kind: null,
    roleLabel: '',
    pending: [],
    total: 0,
    listStatus: '',
    listMessage: '',
    drafts: [],
  },

  methods: {
    onShow() {
      const account = auth.currentAccount();
      const kind = auth.homeKind(account);
      if (!auth.hasSession() || !kind) {
        nav.restart('login');
        return;
      }
      this.setData({ account, kind, roleLabel: ROLE_LABELS[account.role] || '' });
      if (kind === 'manager') this.loadPending();
      if (account.role === 'technician') this.loadDrafts();
    },

    async onPullDownRefresh() {
      if (this.data.kind === 'manager') await this.loadPending();
      if (this.data.account && this.data.account.role === 'technician') await this.loadDrafts();
      wx.stopPullDownRefresh();
    },

    async loadDrafts() {
      try {
        this.setData({ drafts: (await records.openDrafts()).map(draftRow) });
      } catch (err) {
        if (nav.isLoginProblem(err)) nav.restart('login');
        else this.setData({ drafts: [] }); // the scan entry still works; the list is a convenience
      }
    },

    openDraft(e) {
      nav.go('record', { draftId: e.currentTarget.dataset.id });
    },

    async loadPending() {
      this.setData({ listStatus: 'loading', listMessage: '' });
      try {
        const page = await signoff.pending(1);
        const items = (page.items || []).map(pendingRow);
        this.setData({
          pending: items,
          total: page.total || items.length,
          listStatus: items.length ? '' : 'empty',
          listMessage: items.length ? '' : '暂无待签名的维保记录',
        });
      } catch (err) {
        if (nav.isLoginProblem(err)) nav.restart('login');
        else this.setData({ listStatus: 'error', listMessage: err.message });
      }
    },

    goScan() {
      nav.go('scan');
    },

    openRecord(e) {
      nav.go('signoff', { record_id: e.currentTarget.dataset.id });
    },

    async subscribe() {
      try {
        const accepted = await signoff.requestSubscription();
        wx.showToast({ title: accepted.length ? '已开启提醒' : '未开启提醒', icon: 'none' });
      } catch (err) {
        wx.showToast({ title: err.message || '提醒设置失败', icon: 'none' });
      }
    },

    async logout() {
      await auth.logout().catch(() => {});
      nav.restart('login');
    },
  },
});
