// One submitted record, read-only, for the technician, the supervisor and the use unit: its sign-off state
// (with deadline and time left while pending), any anomaly flags with the reason, the items grouped with
// hazards first, parts, hazards, and the technician's signature image.
const auth = require('../../services/auth');
const records = require('../../services/records');
const nav = require('../../utils/navigation');
const view = require('../../utils/record-view');
const { shanghaiTime } = require('../../utils/format');

Component({
  data: {
    status: 'loading',
    message: '',
    row: null,
    groups: [],
    technicianNames: '',
    checkInAt: '',
    checkOutAt: '',
    remarks: '',
    replacedParts: [],
    hazards: [],
    signatureSrc: '',
    signatureError: '',
    canSign: false,
  },

  methods: {
    onLoad(options) {
      this.recordId = Number(options && options.id);
      this.load();
    },

    async load() {
      if (!this.recordId) {
        this.setData({ status: 'error', message: '缺少记录编号' });
        return;
      }
      this.setData({ status: 'loading', message: '正在加载维保记录…' });
      try {
        this.show(await records.detail(this.recordId));
      } catch (err) {
        if (nav.isLoginProblem(err)) nav.restart('login');
        else this.setData({ status: 'error', message: err.message });
        return;
      }
      this.loadSignature();
    },

    show(record) {
      const row = view.recordRow(record);
      const account = auth.currentAccount() || {};
      this.setData({
        status: '',
        row,
        groups: view.groupsHazardsFirst(record.items),
        technicianNames: (record.technicians || []).map((t) => t.name).join('、') || record.technician_name || '',
        checkInAt: shanghaiTime(record.check_in_at),
        checkOutAt: shanghaiTime(record.check_out_at),
        remarks: record.remarks || '',
        replacedParts: record.replaced_parts || [],
        hazards: record.hazards || [],
        canSign: account.role === 'uu_manager' && row.stateName === 'pending',
      });
    },

    async loadSignature() {
      this.setData(await records.signatureView(this.recordId, '签名图片暂时无法显示'));
    },

    goSign() {
      nav.go('signoff', { record_id: this.recordId });
    },
  },
});
