// Home by role: technicians scan and resume or cancel drafts; supervisors see their team's day; use-unit
// managers see what waits for their signature (with the time left); the use unit admin issues bind codes.
const auth = require('../../services/auth');
const signoff = require('../../services/signoff');
const records = require('../../services/records');
const nav = require('../../utils/navigation');
const outbox = require('../../utils/outbox');
const localDraft = require('../../utils/local-draft');
const view = require('../../utils/record-view');
const { confirmCancelDraft } = require('../../utils/confirm');
const { shanghaiTime } = require('../../utils/format');

const ROLE_LABELS = {
  technician: '维保人员',
  mu_supervisor: '维保主管',
  uu_manager: '使用单位安全管理人员',
  uu_admin: '使用单位系统管理员',
};

function pendingRow(row) {
  const elevator = row.elevator || {};
  return {
    id: row.record_id,
    elevatorLabel: [elevator.address, elevator.position].filter(Boolean).join(' ') || `记录 #${row.record_id}`,
    maintenanceDay: row.maintenance_day || '',
    deadline: shanghaiTime(row.deadline_at),
    timeLeft: view.timeLeft(row.deadline_at),
    urgent: view.isUrgent(row.deadline_at),
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
    // Entries made without signal that have not reached the server yet.
    waiting: outbox.pending(draft.id).length,
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
    cancellingId: 0,
    draftsOffline: false,
    reminderHint: signoff.REMINDER_HINT,
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
        this.setData({ drafts: (await records.openDrafts()).map(draftRow), draftsOffline: false });
      } catch (err) {
        if (nav.isLoginProblem(err)) nav.restart('login');
        else if (outbox.isTransient(err)) {
          // No signal: the drafts this phone kept can still be resumed (the form works from its copy).
          this.setData({ drafts: localDraft.list().map(draftRow), draftsOffline: true });
        } else this.setData({ drafts: [], draftsOffline: false }); // the scan entry still works
      }
    },

    openDraft(e) {
      nav.go('record', { draftId: e.currentTarget.dataset.id });
    },

    // Cancel a draft from the list: confirmed first, since the server deletes it with what was entered.
    async cancelDraft(e) {
      const id = Number(e.currentTarget.dataset.id);
      if (this.data.cancellingId) return;
      if (!(await confirmCancelDraft('保留'))) return;
      this.setData({ cancellingId: id });
      try {
        await records.cancelDraft(id);
      } catch (err) {
        if (err.status !== 404) {
          wx.showToast({ title: err.message, icon: 'none' });
          this.setData({ cancellingId: 0 });
          return;
        }
      }
      outbox.clearDraft(id);
      localDraft.remove(id);
      this.setData({ cancellingId: 0, drafts: this.data.drafts.filter((d) => d.id !== id) });
      wx.showToast({ title: '草稿已删除', icon: 'none' });
    },

    openMyRecords() {
      nav.go('records', { mine: 1 });
    },

    openHistory() {
      nav.go('records');
    },

    openTeam() {
      nav.go('team');
    },

    openBindCodes() {
      nav.go('bindCodes');
    },

    openConsent() {
      nav.go('consent');
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
        if (accepted.length) wx.showToast({ title: '已开启提醒', icon: 'none' });
        else signoff.explainWithoutReminder();
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
