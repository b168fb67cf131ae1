// The record form: grouped checklist, results with required reasons, own items, check-in/out, signature, submit.
// Weak signal: every change is kept on the phone first (utils/local-draft) and its write goes through the
// outbox (utils/outbox), which sends it now or later with its original device times; the sync card says what
// is only on the phone and what has reached the server.
const records = require('../../services/records');
const outbox = require('../../utils/outbox');
const localDraft = require('../../utils/local-draft');
const { ApiError, explain } = require('../../utils/api-error');
const { confirmCancelDraft } = require('../../utils/confirm');
const elevators = require('../../services/elevators');
const auth = require('../../services/auth');
const nav = require('../../utils/navigation');
const location = require('../../utils/location');
const form = require('../../utils/record-form');
const photos = require('../../utils/photos');
const { shanghaiTime } = require('../../utils/format');

// A check-in/out time; one only on the phone so far says so.
function siteTime(point) {
  if (!point || !point.at) return '';
  return shanghaiTime(point.at) + (point.pending ? '（手机上，待上传）' : '');
}

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
    offline: false,
    sync: { waiting: 0, text: '', tone: 'ok' },
    submitWaiting: '',
    photoSlots: [],
    photoError: '',
    photoBusy: '',
  },

  lifetimes: {
    attached() {
      this.items = [];
      this.errors = {};
      this.signatureBase64 = null;
      this.photoPositions = [];
      this.serverPhotos = [];
      this.photoReasons = {};
    },
  },

  methods: {
    onLoad(options) {
      this.draftId = Number(options && options.draftId);
      this.load();
      this.loadColleagues();
    },

    // Back on the page (e.g. after WeChat was in the background): send what waits, if anything.
    onShow() {
      if (this.draftId && outbox.pending(this.draftId).length && !this.data.submitted) this.retryNow({ quiet: true });
    },

    async load() {
      if (!this.draftId) {
        this.setData({ status: 'error', message: '缺少草稿编号，请从扫码开始' });
        return;
      }
      this.setData({ status: 'loading', message: '正在加载维保项目…' });
      let base;
      try {
        base = await records.getDraft(this.draftId);
        this.setData({ offline: false });
      } catch (err) {
        if (nav.isLoginProblem(err)) {
          this.toLogin();
          return;
        }
        const saved = localDraft.load(this.draftId);
        if (!outbox.isTransient(err) || !saved) {
          this.setData({ status: 'error', message: err.message });
          return;
        }
        base = saved; // no signal: carry on with what the phone kept
        this.setData({ offline: true });
      }
      if (base.record_id) {
        this.finished({ id: base.record_id });
        this.applyDraft(base);
        return;
      }
      this.applyDraft(localDraft.withPending(base, outbox.pending(this.draftId)));
    },

    // The log-in ran out and could not be renewed silently: log in again and come back to this form, which
    // the phone has kept (local copy and outbox).
    toLogin() {
      nav.restart('login', { draftId: this.draftId });
    },

    // Keep the form as shown on the phone.
    persist() {
      if (!this.draftBase) return;
      localDraft.save(
        this.draftId,
        Object.assign({}, this.draftBase, {
          items: this.items.map((item) => Object.assign({}, item)),
          remarks: this.data.remarks,
          replaced_parts: this.data.replacedParts,
          hazards: this.data.hazards,
          second_technician_id: this.secondTechnicianId || null,
          check_in: this.checkInPoint || null,
          check_out: this.checkOutPoint || null,
          photos: this.serverPhotos,
          photo_reasons: this.photoReasons,
        }),
      );
    },

    refreshSync(extra) {
      const waiting = outbox.pending(this.draftId);
      const stuckOnLogin = waiting.some((entry) => entry.waitingForLogin);
      let text;
      if (waiting.length) {
        text = `已保存在手机上，${waiting.length} 项尚未上传到服务器。有网络时会自动上传，也可点「立即上传」。`;
      } else {
        text = '已全部上传到服务器。';
      }
      this.pendingCodes = waiting
        .filter((entry) => entry.op === 'saveResults')
        .reduce((codes, entry) => codes.concat((entry.args[1] || []).map((row) => row.code)), []);
      this.setData({
        sync: Object.assign({ waiting: waiting.length, text, tone: waiting.length ? 'warn' : 'ok', stuckOnLogin }, extra),
      });
      this.renderPhotos();
    },

    // The photo checklist: one slot per required position (uploaded, waiting on the phone, or not taken).
    renderPhotos() {
      const waiting = outbox.pending(this.draftId).filter((entry) => entry.op === 'uploadPhoto');
      this.setData({ photoSlots: photos.slots(this.photoPositions, this.serverPhotos, waiting, this.photoReasons) });
    },

    // Camera only; the upload goes on in the background (queued and retried on weak signal).
    async takePhoto(e) {
      const code = e.currentTarget.dataset.code;
      if (this.data.photoBusy) return;
      this.setData({ photoBusy: code, photoError: '' });
      let photo;
      try {
        photo = await photos.capture(code);
      } catch (err) {
        this.setData({ photoBusy: '', photoError: err.code === 'photo_cancelled' ? '' : explain(err) });
        return;
      }
      this.setData({ photoBusy: '' });
      try {
        const result = await this.write('uploadPhoto', `photo:${photo.path}`, [this.draftId, photo]);
        if (result.sent) this.serverPhotos = this.serverPhotos.concat([result.data]);
      } catch (err) {
        this.setData({ photoError: `照片未被服务器接受：${explain(err)}` });
      }
      this.persist();
      this.renderPhotos();
    },

    onPhotoReason(e) {
      this.photoReasons = Object.assign({}, this.photoReasons, { [e.currentTarget.dataset.code]: e.detail.value });
      this.persist();
      this.renderPhotos();
    },

    // One draft write: saved on the phone, then sent now or queued. Resolves the outbox's answer; rejects with
    // the server's refusal.
    async write(op, key, args) {
      if (op !== 'submit' && outbox.pending(this.draftId).some((entry) => entry.op === 'submit')) {
        // Signed and waiting to be sent: what was signed is what goes to the server.
        throw new ApiError({ status: 0, code: 'submit_waiting', message: '已签名提交，正在等待网络上传，不能再修改' });
      }
      this.persist();
      const result = await outbox.send({ draftId: this.draftId, op, key, args });
      this.refreshSync();
      this.render();
      if (result.queued && outbox.isLoginWait(result.error)) this.toLogin();
      return result;
    },

    async retryNow(options) {
      const quiet = options && options.quiet;
      const outcome = await outbox.flush(this.draftId);
      const submittedResult = outcome.results.find((r) => r.entry.op === 'submit');
      if (submittedResult) {
        this.finished(submittedResult.data);
        return outcome;
      }
      outcome.results
        .filter((r) => r.entry.op === 'uploadPhoto')
        .forEach((r) => {
          this.serverPhotos = this.serverPhotos.concat([r.data]);
        });
      outcome.refused.forEach(({ entry, error }) => {
        if (entry.op === 'saveResults') {
          (entry.args[1] || []).forEach((row) => {
            this.errors[row.code] = `未保存：${explain(error)}`;
          });
        } else if (entry.op === 'submit') {
          this.setData({ submitWaiting: '', submitError: explain(error) });
        } else {
          this.setData({ submitError: `有一项修改未被服务器接受：${explain(error)}` });
        }
      });
      this.refreshSync();
      this.render();
      if (outcome.stuck && outbox.isLoginWait(outcome.error)) this.toLogin();
      else if (outcome.stuck && !quiet) wx.showToast({ title: '仍然没有网络，稍后会自动重试', icon: 'none' });
      return outcome;
    },

    // The record reached the server: what the phone kept for the draft is no longer needed.
    finished(record) {
      outbox.clearDraft(this.draftId);
      localDraft.remove(this.draftId);
      this.setData({ submitted: record, submitWaiting: '', submitting: false });
      this.refreshSync();
    },

    applyDraft(draft) {
      this.draftBase = Object.assign({}, draft, { items: undefined, pending_codes: undefined });
      this.items = (draft.items || []).map((item) => Object.assign({}, item));
      const checkIn = draft.check_in || {};
      const checkOut = draft.check_out || {};
      this.checkedIn = Boolean(checkIn.at);
      this.checkedOut = Boolean(checkOut.at);
      this.checkInPoint = checkIn.at ? checkIn : null;
      this.checkOutPoint = checkOut.at ? checkOut : null;
      this.setData({
        status: '',
        draftId: draft.id,
        categoryLabel: categoryLabel(draft.category),
        checkInAt: siteTime(checkIn),
        checkOutAt: siteTime(checkOut),
        remarks: draft.remarks || '',
        replacedParts: draft.replaced_parts || [],
        hazards: draft.hazards || [],
      });
      this.secondTechnicianId = draft.second_technician_id || null;
      this.photoPositions = draft.photo_positions || [];
      this.serverPhotos = draft.photos || [];
      this.photoReasons = Object.assign({}, draft.photo_reasons || {}, this.photoReasons);
      if (draft.submit_waiting) this.showSubmitWaiting(draft.submit_waiting.device_submitted_at);
      this.refreshSync();
      this.render();
      this.persist();
      if (draft.record_id) this.setData({ submitted: { id: draft.record_id } }); // already submitted (e.g. a retry)
      if (!this.data.elevatorLabel && draft.elevator_id) this.loadElevator(draft.elevator_id);
    },

    showSubmitWaiting(at) {
      this.setData({
        submitWaiting: `已签名，记录保存在手机上，尚未到达服务器。有网络时会自动提交，提交时间仍按 ${shanghaiTime(at)} 记录。`,
      });
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
      const waiting = this.pendingCodes || [];
      const items = this.items.map((item) =>
        Object.assign({}, item, { error: this.errors[item.code] || '', onPhoneOnly: waiting.includes(item.code) }),
      );
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
      const row = { code: item.code, result: item.result, note: item.note || null, remark: item.remark || null };
      try {
        await this.write('saveResults', `result:${item.code}`, [this.draftId, [row]]);
      } catch (err) {
        this.errors[item.code] = `未保存：${explain(err)}`;
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
        const offline = outbox.isTransient(err);
        this.setData({ newItemError: offline ? '增加项目需要网络（项目编号由服务器分配），请有信号时再增加' : err.message });
      } finally {
        this.setData({ addingItem: false });
      }
    },

    onRemarksInput(e) {
      this.setData({ remarks: e.detail.value });
    },

    async saveRemarks() {
      try {
        await this.write('updateDraft', 'remarks', [this.draftId, { remarks: this.data.remarks }]);
      } catch (err) {
        wx.showToast({ title: `备注未保存：${explain(err)}`, icon: 'none' });
      }
    },

    onNewPartInput(e) {
      this.setData({ [`newPart.${e.currentTarget.dataset.field}`]: e.detail.value, listError: '' });
    },

    onNewHazardInput(e) {
      this.setData({ [`newHazard.${e.currentTarget.dataset.field}`]: e.detail.value, listError: '' });
    },

    // Parts and hazards are saved as whole lists. The shown list changes once the server took it or, without
    // signal, once it is kept on the phone (the sync card says it still waits); a refusal keeps the old list.
    async saveList(field, list, reset) {
      const dataKey = field === 'replaced_parts' ? 'replacedParts' : 'hazards';
      const before = this.data[dataKey];
      this.setData({ [dataKey]: list });
      try {
        await this.write('updateDraft', field, [this.draftId, { [field]: list }]);
        this.setData(Object.assign({}, reset));
      } catch (err) {
        this.setData({ [dataKey]: before, listError: explain(err) });
        this.persist();
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
      const before = this.secondTechnicianId;
      this.secondTechnicianId = colleague.id;
      try {
        await this.write('updateDraft', 'second_technician_id', [this.draftId, { second_technician_id: colleague.id }]);
        this.setData({ secondTechnicianName: colleague.name });
      } catch (err) {
        this.secondTechnicianId = before;
        this.persist();
        wx.showToast({ title: explain(err), icon: 'none' });
      }
    },

    async onSite(kind) {
      this.setData({ siteBusy: true, siteError: '', locationDenied: false });
      try {
        const point = await location.getLocation();
        // Shown (and kept on the phone) before it is sent: the time is the phone's, sent unchanged later.
        const local = { at: point.captured_at, lat: point.lat, lng: point.lng, accuracy_m: point.accuracy_m, pending: true };
        if (kind === 'in') this.checkInPoint = local;
        else this.checkOutPoint = local;
        const result = await this.write(kind === 'in' ? 'checkIn' : 'checkOut', `check_${kind}`, [this.draftId, point]);
        const answered = result.sent && result.data && result.data[`check_${kind}`];
        const shown = answered && answered.at ? answered : local;
        if (kind === 'in') {
          this.checkedIn = true;
          this.checkInPoint = shown;
          this.setData({ checkInAt: siteTime(shown) });
        } else {
          this.checkedOut = true;
          this.checkOutPoint = shown;
          this.setData({ checkOutAt: siteTime(shown) });
        }
        this.persist();
      } catch (err) {
        if (kind === 'in') this.checkInPoint = null;
        else this.checkOutPoint = null;
        this.persist();
        this.setData({ siteError: explain(err), locationDenied: err.code === 'location_denied' });
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
      // A second tap while the first is on its way, or while a submission waits for signal, sends nothing new.
      if (this.data.submitting || this.data.submitted) return;
      if (outbox.pending(this.draftId).some((entry) => entry.op === 'submit')) {
        await this.retryNow();
        return;
      }
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
      this.renderPhotos();
      const photoCheck = photos.validate(this.data.photoSlots);
      if (!photoCheck.ok) {
        this.setData({ submitError: photoCheck.message });
        wx.pageScrollTo({ selector: `#photo-${photoCheck.missing[0]}`, duration: 300 });
        return;
      }
      this.setData({ submitting: true, submitError: '' });
      const at = new Date().toISOString(); // the tap's time, kept for every retry
      const missing = photos.missingPhotos(this.data.photoSlots);
      try {
        const result = await this.write('submit', 'submit', [this.draftId, this.signatureBase64, at, missing]);
        if (result.sent) this.finished(result.data);
        else this.showSubmitWaiting(at);
      } catch (err) {
        this.setData({ submitError: explain(err) });
      } finally {
        this.setData({ submitting: false });
      }
    },

    // Cancelling deletes the draft on the server, so it is confirmed first; a draft already gone counts as cancelled.
    async cancelDraft() {
      if (!(await confirmCancelDraft('继续填写'))) return;
      this.setData({ cancelling: true, submitError: '' });
      try {
        await records.cancelDraft(this.draftId);
      } catch (err) {
        if (err.status !== 404) {
          this.setData({ cancelling: false, submitError: err.message });
          return;
        }
      }
      outbox.clearDraft(this.draftId);
      localDraft.remove(this.draftId);
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
