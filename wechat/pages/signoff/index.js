// A use-unit manager reviews one record and signs it or objects; 默认确认 is shown as its own state.
const signoff = require('../../services/signoff');
const records = require('../../services/records');
const nav = require('../../utils/navigation');
const states = require('../../utils/signoff-state');
const view = require('../../utils/record-view');
const { explain } = require('../../utils/api-error');
const { shanghaiTime } = require('../../utils/format');

// Before the deadline instead of signing, or within the objection period after a default confirmation
// (the backend enforces the period and answers with its own message).
const OBJECTABLE = ['pending', 'default_confirmed'];

function categoryLabel(value) {
  const found = records.CATEGORIES.find((c) => c.value === value);
  return found ? found.label : '维保记录';
}

Component({
  data: {
    status: 'loading',
    message: '',
    record: null,
    state: {},
    stateName: '',
    categoryLabel: '',
    elevatorLabel: '',
    technicianNames: '',
    checkInAt: '',
    checkOutAt: '',
    deadline: '',
    timeLeft: '',
    urgent: false,
    signatureSrc: '',
    signatureError: '',
    signedAt: '',
    defaultConfirmedAt: '',
    objectionReason: '',
    push: {},
    subscribePrompt: false,
    reminderHint: signoff.REMINDER_HINT,
    groups: [],
    canSign: false,
    canObject: false,
    contentAvailable: true,
    reason: '',
    busy: false,
    actionError: '',
  },

  methods: {
    // Opened from the list and from the subscribe message (WECHAT_SIGNOFF_PAGE: pages/signoff/index?record_id=N).
    onLoad(options) {
      this.recordId = Number(options && options.record_id);
      this.load();
    },

    async load() {
      if (!this.recordId) {
        this.setData({ status: 'error', message: '缺少记录编号' });
        return;
      }
      this.setData({ status: 'loading', message: '正在加载维保记录…' });
      let record;
      try {
        record = await signoff.record(this.recordId);
      } catch (err) {
        if (nav.isLoginProblem(err)) nav.restart('login', { record_id: this.recordId });
        else this.setData({ status: 'error', message: err.message });
        return;
      }
      this.show(record);
      if (record.contentAvailable !== false) this.loadSignature();
    },

    // The technician's signature, beside the content it signed.
    async loadSignature() {
      this.setData(await records.signatureView(this.recordId, '维保人员签名暂时无法显示'));
    },

    show(record) {
      const so = record.signoff || {};
      const stateName = so.state || 'pending';
      const elevator = record.elevator || {};
      this.setData({
        status: '',
        record,
        stateName,
        state: states.describe(stateName),
        categoryLabel: categoryLabel(record.category),
        elevatorLabel: [elevator.address, elevator.position].filter(Boolean).join(' '),
        technicianNames: (record.technicians || []).map((t) => t.name).join('、'),
        checkInAt: shanghaiTime(record.check_in_at),
        checkOutAt: shanghaiTime(record.check_out_at),
        deadline: stateName === 'pending' ? shanghaiTime(so.deadline_at) : '',
        timeLeft: stateName === 'pending' ? view.timeLeft(so.deadline_at) : '',
        urgent: stateName === 'pending' && view.isUrgent(so.deadline_at),
        signedAt: stateName === 'signed' ? shanghaiTime(so.decided_at) : '',
        defaultConfirmedAt: stateName === 'default_confirmed' ? shanghaiTime(so.decided_at) : '',
        objectionReason: so.objection_reason || '',
        push: states.describePush(record.push),
        groups: view.groupsHazardsFirst(record.items),
        canSign: stateName === 'pending',
        canObject: OBJECTABLE.includes(stateName),
        contentAvailable: record.contentAvailable !== false,
        reason: '',
        actionError: '',
      });
    },

    async onSigned(e) {
      if (this.data.busy) return; // a double tap signs once
      this.setData({ busy: true, actionError: '' });
      try {
        await signoff.sign(this.recordId, e.detail.base64);
        wx.showToast({ title: '已签名确认', icon: 'success' });
        await this.load();
        // Each accepted subscription allows one reminder; WeChat asks only from a tap, so offer the button now.
        this.setData({ subscribePrompt: true });
      } catch (err) {
        this.setData({ actionError: explain(err) });
      } finally {
        this.setData({ busy: false });
      }
    },

    onReasonInput(e) {
      this.setData({ reason: e.detail.value, actionError: '' });
    },

    async submitObjection() {
      const reason = (this.data.reason || '').trim();
      if (!reason) {
        this.setData({ actionError: '请填写异议原因' });
        return;
      }
      if (this.data.busy) return;
      this.setData({ busy: true, actionError: '' });
      try {
        await signoff.object(this.recordId, reason);
        wx.showToast({ title: '异议已提交', icon: 'success' });
        await this.load();
      } catch (err) {
        this.setData({ actionError: err.message });
      } finally {
        this.setData({ busy: false });
      }
    },

    // Bound to a button: wx.requestSubscribeMessage is refused outside a user's tap, so nothing is awaited first.
    subscribe() {
      return signoff
        .requestSubscription()
        .then((accepted) => {
          if (accepted.length) {
            wx.showToast({ title: '已开启提醒', icon: 'none' });
            this.setData({ subscribePrompt: false });
          } else {
            signoff.explainWithoutReminder();
          }
        })
        .catch((err) => wx.showToast({ title: err.message || '提醒设置失败', icon: 'none' }));
    },

    goHome() {
      nav.restart('home');
    },
  },
});
