// Submitted records as every role's lists and detail pages show them: sign-off state, deadline and time left,
// items grouped with hazards first.
const states = require('./signoff-state');
const form = require('./record-form');
const { shanghaiTime } = require('./format');

const CATEGORY_LABELS = { half_month: '半月维保', quarter: '季度维保', half_year: '半年维保', year: '年度维保' };

const FLAG_LABELS = {
  flag_distance: '签到/签退位置偏离电梯',
  flag_duration: '维保时长过短',
  flag_overlap: '与本人其他维保时间重叠',
};

function categoryLabel(value) {
  return CATEGORY_LABELS[value] || '维保记录';
}

// "还剩 3 小时 20 分" before the deadline; "已到截止时间" after it (the default confirmation follows).
function timeLeft(deadlineIso, nowMs) {
  const deadline = Date.parse(deadlineIso || '');
  if (Number.isNaN(deadline)) return '';
  const minutes = Math.floor((deadline - (nowMs === undefined ? Date.now() : nowMs)) / 60000);
  if (minutes <= 0) return '已到截止时间';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return `还剩 ${days} 天 ${hours} 小时`;
  if (hours) return `还剩 ${hours} 小时 ${mins} 分`;
  return `还剩 ${mins} 分钟`;
}

// Less than this left: shown as urgent.
const URGENT_MINUTES = 120;

function isUrgent(deadlineIso, nowMs) {
  const deadline = Date.parse(deadlineIso || '');
  if (Number.isNaN(deadline)) return false;
  return deadline - (nowMs === undefined ? Date.now() : nowMs) < URGENT_MINUTES * 60000;
}

function flagReasons(record) {
  return Object.keys(FLAG_LABELS)
    .filter((name) => record[name])
    .map((name) => FLAG_LABELS[name]);
}

function elevatorLabel(elevator) {
  const e = elevator || {};
  return [e.address, e.position].filter(Boolean).join(' ') || e.device_code || '';
}

// One row of GET /records (RecordListItemOut).
function recordRow(record, nowMs) {
  const signoff = record.signoff || null;
  const stateName = signoff ? signoff.state : '';
  const state = signoff ? states.describe(stateName) : { label: '无需签名', tone: 'neutral' };
  const pending = stateName === 'pending';
  return {
    id: record.id,
    categoryLabel: categoryLabel(record.category),
    elevatorLabel: elevatorLabel(record.elevator),
    maintenanceDay: record.maintenance_day || '',
    technicianName: record.technician_name || '',
    checkInAt: shanghaiTime(record.check_in_at),
    stateName,
    stateLabel: state.label,
    stateTone: state.tone,
    stateHint: state.hint || '',
    deadline: pending ? shanghaiTime(signoff.deadline_at) : '',
    timeLeft: pending ? timeLeft(signoff.deadline_at, nowMs) : '',
    urgent: pending && isUrgent(signoff.deadline_at, nowMs),
    decidedAt: signoff && signoff.decided_at ? shanghaiTime(signoff.decided_at) : '',
    objectionReason: (signoff && signoff.objection_reason) || '',
    flagged: Boolean(record.flagged),
    flagReasons: flagReasons(record),
    flagText: flagReasons(record).join('、'),
    lateUpload: Boolean(record.late_upload),
  };
}

// Items in their tables, but every item with a hazard first, in a group of its own, so nobody misses one.
function groupsHazardsFirst(items) {
  const labelled = (items || []).map((item) =>
    Object.assign({}, item, { resultLabel: form.resultLabel(item.result) || '未填写', isHazard: item.result === 'hazard' }),
  );
  const hazards = labelled.filter((item) => item.isHazard);
  const groups = form.groupItems(labelled.filter((item) => !item.isHazard));
  return hazards.length ? [{ key: 'hazards', label: `发现隐患的项目（${hazards.length} 项）`, hazard: true, items: hazards }].concat(groups) : groups;
}

module.exports = { categoryLabel, timeLeft, isUrgent, flagReasons, elevatorLabel, recordRow, groupsHazardsFirst, FLAG_LABELS };
