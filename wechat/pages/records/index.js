// Submitted records with their sign-off state, for whoever opens it:
// - a technician's own records (mine=1): pending with its deadline, signed, 默认确认, objected, resolved;
// - one elevator's history (elevator_id=N), from the elevator page or a manager's pick;
// - a use-unit manager's history by elevator and by state (the default for a manager).
const auth = require('../../services/auth');
const records = require('../../services/records');
const elevators = require('../../services/elevators');
const nav = require('../../utils/navigation');
const view = require('../../utils/record-view');

const STATE_FILTERS = [
  { value: '', label: '全部' },
  { value: 'pending', label: '待签名' },
  { value: 'signed', label: '已签名' },
  { value: 'default_confirmed', label: '默认确认' },
  { value: 'objected', label: '有异议' },
  { value: 'objection_resolved', label: '异议已处理' },
];

Component({
  data: {
    title: '',
    stateFilters: STATE_FILTERS,
    state: '',
    elevatorChoices: [],
    elevatorName: '',
    rows: [],
    status: 'loading',
    message: '',
    nextCursor: null,
    loadingMore: false,
  },

  methods: {
    onLoad(options) {
      const opts = options || {};
      const account = auth.currentAccount();
      if (!auth.hasSession() || !account) {
        nav.restart('login');
        return;
      }
      this.account = account;
      this.mine = opts.mine === '1';
      this.elevatorId = opts.elevator_id ? Number(opts.elevator_id) : null;
      this.setData({ state: opts.state || '', title: this.mine ? '我提交的维保记录' : '维保记录' });
      // A manager looks back by elevator: the use unit's elevators to choose from.
      if (account.role === 'uu_manager' && !this.elevatorId) this.loadElevatorChoices();
      if (this.elevatorId) this.loadElevatorName();
      this.load();
    },

    filters(cursor) {
      const filters = { signoff_state: this.data.state, cursor };
      if (this.mine) filters.technician_id = this.account.id;
      if (this.elevatorId) filters.elevator_id = this.elevatorId;
      return filters;
    },

    async load() {
      this.setData({ status: 'loading', message: '正在加载维保记录…', rows: [], nextCursor: null });
      try {
        const page = await records.list(this.filters());
        const rows = (page.items || []).map((item) => view.recordRow(item));
        this.setData({
          rows,
          nextCursor: page.next_cursor || null,
          status: rows.length ? '' : 'empty',
          message: rows.length ? '' : this.emptyMessage(),
        });
      } catch (err) {
        if (nav.isLoginProblem(err)) nav.restart('login');
        else this.setData({ status: 'error', message: err.message });
      }
    },

    emptyMessage() {
      const filter = STATE_FILTERS.find((f) => f.value === this.data.state);
      const which = this.data.state ? `“${filter.label}”的` : '';
      return this.mine ? `还没有${which}已提交的维保记录` : `没有${which}维保记录`;
    },

    async loadMore() {
      if (!this.data.nextCursor || this.data.loadingMore) return;
      this.setData({ loadingMore: true });
      try {
        const page = await records.list(this.filters(this.data.nextCursor));
        this.setData({
          rows: this.data.rows.concat((page.items || []).map((item) => view.recordRow(item))),
          nextCursor: page.next_cursor || null,
        });
      } catch (err) {
        wx.showToast({ title: err.message, icon: 'none' });
      } finally {
        this.setData({ loadingMore: false });
      }
    },

    onReachBottom() {
      return this.loadMore();
    },

    async onPullDownRefresh() {
      await this.load();
      wx.stopPullDownRefresh();
    },

    pickState(e) {
      this.setData({ state: e.currentTarget.dataset.value });
      return this.load();
    },

    async loadElevatorChoices() {
      try {
        const list = await elevators.list();
        this.setData({
          elevatorChoices: [{ id: null, label: '全部电梯' }].concat(
            list.map((e) => ({ id: e.id, label: view.elevatorLabel(e) })),
          ),
        });
      } catch (err) {
        this.setData({ elevatorChoices: [] }); // the list by state still works
      }
    },

    async loadElevatorName() {
      try {
        this.setData({ elevatorName: view.elevatorLabel(await elevators.get(this.elevatorId)) });
      } catch (err) {
        this.setData({ elevatorName: '' });
      }
    },

    pickElevator(e) {
      const choice = this.data.elevatorChoices[Number(e.detail.value)];
      if (!choice) return undefined;
      this.elevatorId = choice.id;
      this.setData({ elevatorName: choice.id ? choice.label : '' });
      return this.load();
    },

    openRecord(e) {
      const { id, state } = e.currentTarget.dataset;
      // A manager signs a pending record on the sign-off page; everything else is read on the detail page.
      if (this.account.role === 'uu_manager' && state === 'pending') nav.go('signoff', { record_id: id });
      else nav.go('recordDetail', { id });
    },
  },
});
