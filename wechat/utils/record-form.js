// Checklist results and the rules the backend enforces, checked before anything is sent.
const RESULTS = [
  { value: 'normal', label: '正常' },
  { value: 'adjusted', label: '调整' },
  { value: 'replaced', label: '更换' },
  { value: 'not_applicable', label: '不适用', notePlaceholder: '请填写不适用的原因（必填）' },
  { value: 'hazard', label: '有隐患', notePlaceholder: '请描述隐患情况（必填）' },
];

const NOTE_REQUIRED = {
  not_applicable: '不适用时必须填写原因',
  hazard: '有隐患时必须描述隐患',
};

const GROUP_LABELS = { 1: '半月维保项目', 2: '季度维保项目', 3: '半年维保项目', 4: '年度维保项目' };

function resultLabel(value) {
  const found = RESULTS.find((r) => r.value === value);
  return found ? found.label : '';
}

function itemError(item) {
  if (!item.result) return '请选择结果';
  if (NOTE_REQUIRED[item.result] && !(item.note || '').trim()) return NOTE_REQUIRED[item.result];
  return '';
}

// Template codes look like A-1-01: the middle digit is the table (1 半月 … 4 年度).
function groupKey(item) {
  if (item.added) return 'added';
  const match = /^[A-Z]-(\d)-/.exec(item.code || '');
  return match ? `table-${match[1]}` : 'other';
}

function groupLabel(key) {
  if (key === 'added') return '自行增加的项目';
  const match = /^table-(\d)$/.exec(key);
  return match && GROUP_LABELS[match[1]] ? GROUP_LABELS[match[1]] : '其他项目';
}

function groupItems(items) {
  const groups = [];
  const byKey = {};
  items.forEach((item) => {
    const key = groupKey(item);
    if (!byKey[key]) {
      byKey[key] = { key, label: groupLabel(key), items: [] };
      groups.push(byKey[key]);
    }
    byKey[key].items.push(item);
  });
  return groups;
}

// Everything that blocks submission, in the order the technician should fix it.
// form: {items, checkedIn, checkedOut, signature}
function validateForSubmit(form) {
  const itemErrors = {};
  (form.items || []).forEach((item) => {
    const error = itemError(item);
    if (error) itemErrors[item.code] = error;
  });
  const codes = Object.keys(itemErrors);
  const problems = [];
  if (!form.items || form.items.length === 0) problems.push('没有维保项目');
  if (codes.length) problems.push(`还有 ${codes.length} 个项目未完成`);
  if (!form.checkedIn) problems.push('尚未签到');
  if (!form.checkedOut) problems.push('尚未签退');
  if (!form.signature) problems.push('尚未签名');
  return {
    ok: problems.length === 0,
    itemErrors,
    firstInvalidCode: codes[0] || null,
    message: problems.join('；'),
  };
}

function validateNewItem(item) {
  const errors = {};
  if (!(item.item || '').trim()) errors.item = '请填写项目名称';
  const error = item.result ? itemError(item) : '';
  if (error) errors.note = error;
  return errors;
}

module.exports = { RESULTS, NOTE_REQUIRED, resultLabel, itemError, groupItems, validateForSubmit, validateNewItem };
