// The record detail (technician, supervisor, use unit): hazards first, the technician's signature image.
const { routeRequests } = require('./wx-mock');
const { loginAs, clearPhone, settle, pageRenderer, record } = require('./pages-helper');

const render = pageRenderer('record-detail');

beforeEach(() => {
  clearPhone();
  loginAs('technician');
});

test('the record detail puts hazards first and shows the technician\'s signature image', async () => {
  const calls = routeRequests(wx, {
    'GET /records/2': {
      statusCode: 200,
      data: record(2, { state: 'signed', decided_at: '2026-11-25T03:00:00+00:00' }, {
        technicians: [{ account_id: 4, name: '张工' }, { account_id: 5, name: '李工' }],
        items: [
          { code: 'A-1-01', item: '机房环境', result: 'normal' },
          { code: 'A-1-02', item: '制动器', result: 'hazard', note: '制动片磨损' },
        ],
        hazards: [{ description: '制动片磨损', action: '已通知更换' }],
        replaced_parts: [],
      }),
    },
    'GET /records/2/signature.png': { statusCode: 200, data: new ArrayBuffer(8) },
  });
  const page = render({ id: '2' });
  await settle();
  expect(page.data.groups.map((g) => g.label)).toEqual(['发现隐患的项目（1 项）', '半月维保项目']);
  expect(page.querySelector('.hazard-group').dom.textContent).toContain('有隐患：制动片磨损');
  expect(page.dom.textContent).toContain('张工、李工');
  expect(calls[1]).toMatchObject({ method: 'GET', path: '/records/2/signature.png' });
  expect(page.querySelector('.signature')).toBeDefined();
  expect(page.querySelector('.signature-error')).toBeUndefined();
  expect(page.data.signatureSrc).toBe('data:image/png;base64,iVBORw0KGgo=');
});
