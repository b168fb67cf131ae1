const form = require('../utils/record-form');

function item(code, result, note) {
  return { code, item: `项目 ${code}`, requirement: '', result, note };
}

const COMPLETE = { checkedIn: true, checkedOut: true, signature: 'iVBORw0KGgo=' };

describe('itemError', () => {
  test('不适用 without a reason is blocked', () => {
    expect(form.itemError(item('A-1-01', 'not_applicable', ''))).toBe('不适用时必须填写原因');
    expect(form.itemError(item('A-1-01', 'not_applicable', '   '))).toBe('不适用时必须填写原因');
    expect(form.itemError(item('A-1-01', 'not_applicable', '本梯无机房'))).toBe('');
  });

  test('有隐患 without a description is blocked', () => {
    expect(form.itemError(item('A-1-02', 'hazard', null))).toBe('有隐患时必须描述隐患');
    expect(form.itemError(item('A-1-02', 'hazard', '钢丝绳断丝'))).toBe('');
  });

  test('正常/调整/更换 need no text, a missing result does', () => {
    ['normal', 'adjusted', 'replaced'].forEach((result) => expect(form.itemError(item('A', result))).toBe(''));
    expect(form.itemError(item('A', null))).toBe('请选择结果');
  });
});

describe('validateForSubmit', () => {
  test('passes when every item has a valid result, with check-in, check-out and signature', () => {
    const result = form.validateForSubmit(
      Object.assign({ items: [item('A-1-01', 'normal'), item('A-1-02', 'not_applicable', '无此部件')] }, COMPLETE),
    );
    expect(result).toEqual({ ok: true, itemErrors: {}, firstInvalidCode: null, message: '' });
  });

  test('every item is required before submitting', () => {
    const items = [item('A-1-01', 'normal'), item('A-1-02', null), item('A-1-03', 'hazard', '')];
    const result = form.validateForSubmit(Object.assign({ items }, COMPLETE));
    expect(result.ok).toBe(false);
    expect(result.itemErrors).toEqual({ 'A-1-02': '请选择结果', 'A-1-03': '有隐患时必须描述隐患' });
    expect(result.firstInvalidCode).toBe('A-1-02');
    expect(result.message).toBe('还有 2 个项目未完成');
  });

  test('check-in, check-out and the signature are required', () => {
    const result = form.validateForSubmit({ items: [item('A-1-01', 'normal')] });
    expect(result.ok).toBe(false);
    expect(result.message).toBe('尚未签到；尚未签退；尚未签名');
  });

  test('a record without items cannot be submitted', () => {
    expect(form.validateForSubmit(Object.assign({ items: [] }, COMPLETE)).message).toBe('没有维保项目');
  });
});

describe('groupItems', () => {
  test('groups template items by table and own items last', () => {
    const groups = form.groupItems([
      item('A-1-01', null),
      item('A-2-01', null),
      Object.assign(item('X-01', null), { added: true }),
      item('A-1-02', null),
    ]);
    expect(groups.map((g) => [g.label, g.items.map((i) => i.code)])).toEqual([
      ['半月维保项目', ['A-1-01', 'A-1-02']],
      ['季度维保项目', ['A-2-01']],
      ['自行增加的项目', ['X-01']],
    ]);
  });
});

describe('validateNewItem', () => {
  test('an own item needs a name', () => {
    expect(form.validateNewItem({ item: ' ' })).toEqual({ item: '请填写项目名称' });
    expect(form.validateNewItem({ item: '轿厢照明' })).toEqual({});
  });
});
