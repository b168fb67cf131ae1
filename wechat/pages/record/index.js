// The record form: grouped checklist, results with required reasons, own items, check-in/out, signature, submit.
const records = require('../../services/records');
const elevators = require('../../services/elevators');
const auth = require('../../services/auth');
const nav = require('../../utils/navigation');
const location = require('../../utils/location');
const form = require('../../utils/record-form');
const { shanghaiTime } = require('../../utils/format');

function categoryLabel(value) {
  const found = records.CATEGORIES.find((c) => c.value === value);
  return found ? found.label : '';
}

Component({
  data: {
    status: 'loading',
    message: '',
    draftId: null,
    elevatorLabel: '',
    categoryLabel: '',
    results: form.RESULTS,
    groups: [],
    checkInAt: '',
    checkOutAt: '',
    siteBusy: false,
    siteError: '',
    locationDenied: false,
    newItem: { item: '', requirement: '' },
    newItemError: '',
    addingItem: false,
    remarks: '',
    replacedParts: [],
    hazards: [],
    newPart: { name: '', model: '', quantity: '1' },
    newHazard: { description: '', action: '' },
    listError: '',
    colleagues: [],
    secondTechnicianName: '',
    signed: false,
    submitting: false,
    cancelling: false,
    submitError: '',
    submitted: null,
  },

  lifetimes: {
    attached() {
      this.items = [];
      this.errors = {};
      this.signatureBase64 = null;
    },
  },

  methods: {
    onLoad(options) {
      this.draftId = Number(options && options.draftId);
      this.load();
      this.loadColleagues();
    },

    async load() {
      if (!this.draftId) {
        this.setData({ status: 'error', message: '缺少草稿编号，请从扫码开始' });
        return;
      }
      this.setData({ status: 'loading', message: '正在加载维保项目…' });
      try {
        this.applyDraft(await records.getDraft(this.draftId));
      } catch (err) {
        if (nav.isLoginProblem(err)) nav.restart('login');
        else this.setData({ status: 'error', message: err.message });
      }
    },

    applyDraft(draft) {
      this.items = (draft.items || []).map((item) => Object.assign({}, item));
      const checkIn = draft.check_in || {};
      const checkOut = draft.check_out || {};
      this.checkedIn = Boolean(checkIn.at);
      this.checkedOut = Boolean(checkOut.at);
      this.setData({
        status: '',
        draftId: draft.id,
        categoryLabel: categoryLabel(draft.category),
        checkInAt: shanghaiTime(checkIn.at),
        checkOutAt: shanghaiTime(checkOut.at),
        remarks: draft.remarks || '',
        replacedParts: draft.replaced_parts || [],
        hazards: draft.hazards || [],
      });
      this.secondTechnicianId = draft.second_technician_id || null;
      this.render();
      if (draft.record_id) this.setData({ submitted: { id: draft.record_id } }); // already submitted (e.g. a retry)
      if (!this.data.elevatorLabel && draft.elevator_id) this.loadElevator(draft.elevator_id);
    },

    async loadElevator(elevatorId) {
      try {
        const elevator = await elevators.get(elevatorId);
        this.setData({ elevatorLabel: [elevator.address, elevator.position].filter(Boolean).join(' ') });
      } catch (err) {
        this.setData({ elevatorLabel: '' }); // only a heading: the form works without it
      }
    },

    render() {
      const items = this.items.map((item) => Object.assign({}, item, { error: this.errors[item.code] || '' }));
      this.setData({ groups: form.groupItems(items) });
    },

    findItem(code) {
      return this.items.find((item) => item.code === code);
    },

    pickResult(e) {
      const { code, result } = e.currentTarget.dataset;
      const item = this.findItem(code);
      if (!item) return;
      item.result = result;
      if (!form.NOTE_REQUIRED[result]) item.note = null;
      this.errors[code] = '';
      this.render();
      // An item that still needs its reason/description is saved once the text is entered.
      if (!form.itemError(item)) this.saveItem(item);
    },

    onNoteInput(e) {
      const item = this.findItem(e.currentTarget.dataset.code);
      if (item) item.note = e.detail.value;
    },

    onNoteBlur(e) {
      const item = this.findItem(e.currentTarget.dataset.code);
      if (!item) return;
      this.errors[item.code] = form.itemError(item);
      this.render();
      if (!this.errors[item.code]) this.saveItem(item);
    },

    async saveItem(item) {
      try {
        await records.saveResults(this.draftId, [
          { code: item.code, result: item.result, note: item.note || null, remark: item.remark || null },
        ]);
      } catch (err) {
        this.errors[item.code] = `未保存：${err.message}`;
        this.render();
      }
    },

    onNewItemInput(e) {
      this.setData({ [`newItem.${e.currentTarget.dataset.field}`]: e.detail.value, newItemError: '' });
    },

    async addItem() {
      const errors = form.validateNewItem(this.data.newItem);
      if (Object.keys(errors).length) {
        this.setData({ newItemError: errors.item || errors.note });
        return;
      }
      this.setData({ addingItem: true });
      try {
        await records.addItem(this.draftId, {
          item: this.data.newItem.item.trim(),
          requirement: (this.data.newItem.requirement || '').trim(),
        });
        this.setData({ newItem: { item: '', requirement: '' } });
        this.applyDraft(await records.getDraft(this.draftId));
      } catch (err) {
        this.setData({ newItemError: err.message });
      } finally {
        this.setData({ addingItem: false });
      }
    },

    onRemarksInput(e) {
      this.setData({ remarks: e.detail.value });
    },

    async saveRemarks() {
      try {
        await records.updateDraft(this.draftId, { remarks: this.data.remarks });
      } catch (err) {
        wx.showToast({ title: `备注未保存：${err.message}`, icon: 'none' });
      }
    },

    onNewPartInput(e) {
      this.setData({ [`newPart.${e.currentTarget.dataset.field}`]: e.detail.value, listError: '' });
    },

    onNewHazardInput(e) {
      this.setData({ [`newHazard.${e.currentTarget.dataset.field}`]: e.detail.value, listError: '' });
    },

    // Parts and hazards are saved as whole lists; the shown list changes only once the server took it.
    async saveList(field, list, reset) {
      try {
        await records.updateDraft(this.draftId, { [field]: list });
        this.setData(Object.assign({ [field === 'replaced_parts' ? 'replacedParts' : 'hazards']: list }, reset));
      } catch (err) {
        this.setData({ listError: err.message });
      }
    },

    addPart() {
      const part = this.data.newPart;
      const quantity = Number(part.quantity);
      if (!(part.name || '').trim()) {
        this.setData({ listError: '请填写配件名称' });
        return Promise.resolve();
      }
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000) {
        this.setData({ listError: '数量须为 1–1000 的整数' });
        return Promise.resolve();
      }
      const entry = { name: part.name.trim(), quantity };
      if ((part.model || '').trim()) entry.model = part.model.trim();
      return this.saveList('replaced_parts', this.data.replacedParts.concat([entry]), {
        newPart: { name: '', model: '', quantity: '1' },
      });
    },

    removePart(e) {
      const index = Number(e.currentTarget.dataset.index);
      return this.saveList('replaced_parts', this.data.replacedParts.filter((_, i) => i !== index));
    },

    addHazard() {
      const hazard = this.data.newHazard;
      if (!(hazard.description || '').trim()) {
        this.setData({ listError: '请描述隐患情况' });
        return Promise.resolve();
      }
      const entry = { description: hazard.description.trim() };
      if ((hazard.action || '').trim()) entry.action = hazard.action.trim();
      return this.saveList('hazards', this.data.hazards.concat([entry]), { newHazard: { description: '', action: '' } });
    },

    removeHazard(e) {
      const index = Number(e.currentTarget.dataset.index);
      return this.saveList('hazards', this.data.hazards.filter((_, i) => i !== index));
    },

    async loadColleagues() {
      try {
        const me = auth.currentAccount() || {};
        const colleagues = (await records.colleagues()).filter((c) => c.id !== me.id);
        const current = colleagues.find((c) => c.id === this.secondTechnicianId);
        this.setData({ colleagues, secondTechnicianName: current ? current.name : '' });
      } catch (err) {
        this.setData({ colleagues: [] }); // naming a second technician is optional
      }
    },

    async pickColleague(e) {
      const colleague = this.data.colleagues[Number(e.detail.value)];
      if (!colleague) return;
      try {
        await records.updateDraft(this.draftId, { second_technician_id: colleague.id });
        this.secondTechnicianId = colleague.id;
        this.setData({ secondTechnicianName: colleague.name });
      } catch (err) {
        wx.showToast({ title: err.message, icon: 'none' });
      }
    },

    async onSite(kind) {
      this.setData({ siteBusy: true, siteError: '', locationDenied: false });
      try {
        const point = await location.getLocation();
        const draft = kind === 'in' ? await records.checkIn(this.draftId, point) : await records.checkOut(this.draftId, point);
        const answered = draft && draft[`check_${kind}`];
        const at = shanghaiTime((answered && answered.at) || point.captured_at);
        if (kind === 'in') {
          this.checkedIn = true;
          this.setData({ checkInAt: at });
        } else {
          this.checkedOut = true;
          this.setData({ checkOutAt: at });
        }
      } catch (err) {
        this.setData({ siteError: err.message, locationDenied: err.code === 'location_denied' });
      } finally {
        this.setData({ siteBusy: false });
      }
    },

    checkIn() {
      return this.onSite('in');
    },

    checkOut() {
      return this.onSite('out');
    },

    async openSettings() {
      if (await location.openLocationSettings()) {
        this.setData({ locationDenied: false, siteError: '' });
        wx.showToast({ title: '已允许使用位置，请再点一次签到或签退', icon: 'none' });
      }
    },

    onSigned(e) {
      this.signatureBase64 = e.detail.base64;
      this.setData({ signed: true, submitError: '' });
    },

    resign() {
      this.signatureBase64 = null;
      this.setData({ signed: false });
    },

    async submit() {
      const check = form.validateForSubmit({
        items: this.items,
        checkedIn: this.checkedIn,
        checkedOut: this.checkedOut,
        signature: this.signatureBase64,
      });
      this.errors = check.itemErrors;
      this.render();
      if (!check.ok) {
        this.setData({ submitError: check.message });
        if (check.firstInvalidCode) wx.pageScrollTo({ selector: `#item-${check.firstInvalidCode}`, duration: 300 });
        return;
      }
      this.setData({ submitting: true, submitError: '' });
      try {
        const record = await records.submit(this.draftId, this.signatureBase64);
        this.setData({ submitted: record });
      } catch (err) {
        this.setData({ submitError: err.message });
      } finally {
        this.setData({ submitting: false });
      }
    },

    // Cancelling deletes the draft on the server, so it is confirmed first; a draft already gone counts as cancelled.
    async cancelDraft() {
      const answer = await new Promise((resolve) => {
        wx.showModal({
          title: '取消本次维保',
          content: '草稿及已填写的内容将被删除，且不能恢复。确定取消吗？',
          confirmText: '删除草稿',
          cancelText: '继续填写',
          success: resolve,
          fail: () => resolve({ confirm: false }),
        });
      });
      if (!answer.confirm) return;
      this.setData({ cancelling: true, submitError: '' });
      try {
        await records.cancelDraft(this.draftId);
      } catch (err) {
        if (err.status !== 404) {
          this.setData({ cancelling: false, submitError: err.message });
          return;
        }
      }
      this.setData({ cancelling: false });
      wx.showToast({ title: '草稿已删除', icon: 'none' });
      nav.restart('home');
    },

    scanNext() {
      nav.restart('scan');
    },

    goHome() {
      nav.restart('home');
    },
  },
});
