// Confirm the scanned elevator's data and its location, pick the category, start the draft.
const config = require('../../config');
const auth = require('../../services/auth');
const elevators = require('../../services/elevators');
const records = require('../../services/records');
const nav = require('../../utils/navigation');
const location = require('../../utils/location');
const { explain } = require('../../utils/api-error');
const { publicCodeFromLaunch } = require('../../utils/scan-code');
const view = require('../../utils/record-view');

// How many of the elevator's latest records the page shows (the rest: 查看全部).
const RECENT = 5;

const TYPE_LABELS = {
  traction: '曳引与强制驱动电梯',
  hydraulic: '液压电梯',
  dumbwaiter: '杂物电梯',
  escalator: '自动扶梯与自动人行道',
};

Component({
  data: {
    status: 'loading',
    message: '',
    actionText: '',
    elevator: null,
    typeLabel: '',
    completions: {},
    point: null,
    locating: false,
    locationError: '',
    locationDenied: false,
    categories: records.CATEGORIES,
    category: '',
    starting: false,
    startError: '',
    canStart: true,
    recent: [],
    recentStatus: '',
    recentMessage: '',
  },

  methods: {
    onLoad(options) {
      this.options = options || {};
      // Only technicians start records (the API refuses others); a supervisor may still look the elevator up.
      const account = auth.currentAccount();
      this.setData({ canStart: !account || account.role === 'technician' });
      this.load();
    },

    async load() {
      this.setData({ status: 'loading', message: '正在查找电梯…', actionText: '' });
      try {
        let elevator;
        if (this.options.id) {
          elevator = await elevators.get(this.options.id);
        } else {
          const launch = publicCodeFromLaunch(this.options, config.current().publicOrigins);
          if (!launch.ok) {
            this.setData({ status: 'error', message: launch.message, actionText: '重新扫码' });
            return;
          }
          this.publicCode = launch.publicCode;
          elevator = await elevators.byPublicCode(launch.publicCode);
        }
        this.setData({ status: '', elevator, typeLabel: TYPE_LABELS[elevator.elevator_type] || elevator.elevator_type });
        this.loadRecent(elevator.id);
      } catch (err) {
        if (nav.isLoginProblem(err)) {
          // Scanned before binding (or with a lost session): back here once logged in.
          nav.restart('login', this.publicCode ? { code: this.publicCode } : undefined);
          return;
        }
        this.setData({ status: 'error', message: err.message, actionText: err.status === 404 ? '重新扫码' : '重试' });
      }
    },

    // The elevator's recent history: its latest records with their sign-off state (what the caller may see).
    async loadRecent(elevatorId) {
      this.setData({ recentStatus: 'loading', recentMessage: '正在加载最近的维保记录…' });
      try {
        const page = await records.list({ elevator_id: elevatorId }, RECENT);
        const recent = (page.items || []).map((item) => view.recordRow(item));
        this.setData({
          recent,
          recentMore: Boolean(page.next_cursor),
          recentStatus: recent.length ? '' : 'empty',
          recentMessage: recent.length ? '' : '这台电梯还没有维保记录',
        });
      } catch (err) {
        this.setData({ recent: [], recentStatus: 'error', recentMessage: `最近的维保记录暂时无法加载：${err.message}` });
      }
    },

    openRecent(e) {
      nav.go('recordDetail', { id: e.currentTarget.dataset.id });
    },

    openAllRecords() {
      nav.go('records', { elevator_id: this.data.elevator.id });
    },

    goHome() {
      nav.restart('home');
    },

    onStateAction() {
      if (this.data.actionText === '重新扫码') nav.restart('scan');
      else this.load();
    },

    onCompletionInput(e) {
      this.setData({ [`completions.${e.currentTarget.dataset.field}`]: e.detail.value });
    },

    async locate() {
      this.setData({ locating: true, locationError: '', locationDenied: false });
      try {
        this.setData({ point: await location.getLocation() });
      } catch (err) {
        this.setData({ locationError: err.message, locationDenied: err.code === 'location_denied' });
      } finally {
        this.setData({ locating: false });
      }
    },

    // Back from WeChat's settings with location allowed: locate at once.
    async openSettings() {
      if (await location.openLocationSettings()) this.locate();
    },

    pickCategory(e) {
      this.setData({ category: e.currentTarget.dataset.value, startError: '' });
    },

    completionsToSend() {
      const out = {};
      Object.keys(this.data.completions).forEach((key) => {
        const value = (this.data.completions[key] || '').trim();
        if (value) out[key] = value;
      });
      return out;
    },

    async start() {
      if (this.data.starting) return; // a double tap starts one draft
      if (!this.data.point) {
        this.setData({ startError: '请先获取当前位置' });
        return;
      }
      if (!this.data.category) {
        this.setData({ startError: '请选择维保类别' });
        return;
      }
      this.setData({ starting: true, startError: '' });
      try {
        const elevatorId = this.data.elevator.id;
        await elevators.confirmSite(elevatorId, this.data.point, this.completionsToSend());
        const draft = await records.startDraft({ elevatorId, category: this.data.category });
        nav.go('record', { draftId: draft.id });
      } catch (err) {
        this.setData({ startError: explain(err) });
      } finally {
        this.setData({ starting: false });
      }
    },
  },
});
