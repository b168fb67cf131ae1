// The supervisor's day (mu_supervisor; the API limits every list to their part of the organisation):
// today's jobs, flagged records with the reason, overdue and due-soon elevators, delay notices in force.
const records = require('../../services/records');
const due = require('../../services/due');
const nav = require('../../utils/navigation');
const view = require('../../utils/record-view');
const { shanghaiDay } = require('../../utils/format');

// "Due soon": half-monthly maintenance falling due within this many days.
const DUE_SOON_DAYS = 3;
// Flagged records of the last this many days.
const FLAGGED_DAYS = 30;

function section() {
  return { status: 'loading', message: '', rows: [] };
}

function failed(err) {
  return { status: 'error', message: err.message, rows: [] };
}

function filled(rows, emptyMessage) {
  return { status: rows.length ? '' : 'empty', message: rows.length ? '' : emptyMessage, rows };
}

function overdueRow(entry) {
  return {
    id: entry.elevator_id,
    label: entry.address || entry.device_code || `电梯 #${entry.elevator_id}`,
    deviceCode: entry.device_code || '',
    dueOn: entry.due_on,
    daysOverdue: entry.days_overdue,
    excused: entry.excused,
  };
}

function noticeRow(notice) {
  return {
    id: notice.id,
    causeLabel: notice.cause_label,
    period: `${notice.starts_on} 至 ${notice.ends_on}`,
    explanation: notice.explanation,
    elevators: (notice.elevators || []).map((e) => view.elevatorLabel(e)).join('；'),
    count: (notice.elevator_ids || []).length,
  };
}

Component({
  data: {
    today: '',
    dueSoonDays: DUE_SOON_DAYS,
    jobs: section(),
    flagged: section(),
    overdue: section(),
    dueSoon: section(),
    notices: section(),
  },

  methods: {
    onLoad() {
      this.load();
    },

    async onPullDownRefresh() {
      await this.load();
      wx.stopPullDownRefresh();
    },

    load() {
      const today = shanghaiDay();
      this.setData({ today });
      return Promise.all([this.loadJobs(today), this.loadFlagged(today), this.loadDue(today), this.loadNotices(today)]);
    },

    // Each list loads on its own, so one failure leaves the others readable.
    async guarded(key, task) {
      this.setData({ [key]: section() });
      try {
        this.setData({ [key]: await task() });
      } catch (err) {
        if (nav.isLoginProblem(err)) nav.restart('login');
        else this.setData({ [key]: failed(err) });
      }
    },

    loadJobs(today) {
      return this.guarded('jobs', async () => {
        const page = await records.list({ date_from: today, date_to: today }, 100);
        return filled((page.items || []).map((item) => view.recordRow(item)), '今天还没有提交的维保记录');
      });
    },

    loadFlagged(today) {
      return this.guarded('flagged', async () => {
        const from = shanghaiDay(Date.parse(`${today}T12:00:00+08:00`), -FLAGGED_DAYS);
        const page = await records.list({ flagged: true, date_from: from }, 100);
        return filled((page.items || []).map((item) => view.recordRow(item)), `近 ${FLAGGED_DAYS} 天没有异常记录`);
      });
    },

    // Overdue today; due soon = overdue by the end of the window but not yet today.
    async loadDue(today) {
      this.setData({ overdue: section(), dueSoon: section() });
      try {
        const soonDay = shanghaiDay(Date.parse(`${today}T12:00:00+08:00`), DUE_SOON_DAYS);
        const [now, soon] = await Promise.all([due.overdue(), due.overdue(soonDay)]);
        const overdueIds = now.map((entry) => entry.elevator_id);
        this.setData({
          overdue: filled(now.map(overdueRow), '没有逾期未维保的电梯'),
          dueSoon: filled(
            soon.filter((entry) => !overdueIds.includes(entry.elevator_id)).map(overdueRow),
            `${DUE_SOON_DAYS} 天内没有到期的电梯`,
          ),
        });
      } catch (err) {
        if (nav.isLoginProblem(err)) nav.restart('login');
        else this.setData({ overdue: failed(err), dueSoon: failed(err) });
      }
    },

    loadNotices(today) {
      return this.guarded('notices', async () => {
        const notices = await due.delayNotices();
        // In force or starting later: an expired notice excuses nothing today.
        const current = notices.filter((notice) => notice.ends_on >= today);
        return filled(current.map(noticeRow), '没有生效中的延期说明');
      });
    },

    openRecord(e) {
      nav.go('recordDetail', { id: e.currentTarget.dataset.id });
    },

    openElevatorHistory(e) {
      nav.go('records', { elevator_id: e.currentTarget.dataset.id });
    },
  },
});
