// The page of a real sign-off push, captured from the local WeChat stub by the backend's tests
// (tests/jobs/test_signoff_jobs.py keeps fixtures/push-payload.json equal to what the backend sends).
const fs = require('fs');
const path = require('path');
const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');
const { scriptRequests } = require('./wx-mock');
const tokenStore = require('../utils/token-store');

const ROOT = path.join(__dirname, '..');
const payload = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/push-payload.json'), 'utf8'));
const appJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));
const [pagePath, queryString] = payload.page.split('?');
// WeChat hands the page its query as onLoad options, every value a string.
const options = Object.fromEntries(new URLSearchParams(queryString || ''));

test('the pushed page is registered in app.json', () => {
  expect(appJson.pages).toContain(pagePath);
});

test('the pushed page and the components it uses exist', () => {
  ['.js', '.json', '.wxml', '.wxss'].forEach((ext) => {
    expect(fs.existsSync(path.join(ROOT, pagePath + ext))).toBe(true);
  });
  const { usingComponents = {} } = JSON.parse(fs.readFileSync(path.join(ROOT, `${pagePath}.json`), 'utf8'));
  Object.values(usingComponents).forEach((component) => {
    expect(fs.existsSync(`${path.resolve(ROOT, path.dirname(pagePath), component)}.js`)).toBe(true);
  });
});

test('opened with the pushed options, the page loads the pushed record', async () => {
  tokenStore.save({ token: 't', expires_at: '2999-01-01T00:00:00+00:00', account: { id: 3, role: 'uu_manager' } });
  const recordId = payload.record_id;
  scriptRequests(wx, [
    {
      statusCode: 200,
      data: {
        record_id: recordId,
        state: 'pending',
        deadline_at: '2026-11-24T15:59:59+00:00',
        elevator: { address: '天河路 1 号' },
        record: { category: 'half_month' },
        push_outcome: 'delivered',
        push_outcome_label: '已推送',
        push_recipients: [],
      },
    },
    { statusCode: 200, data: { id: recordId, technicians: [], items: [] } },
  ]);
  const page = simulate.render(loadComponent(pagePath));
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad(options);
  await simulate.sleep(0);
  await simulate.sleep(0);
  const urls = wx.request.mock.calls.map(([opts]) => opts.url);
  expect(urls[0]).toBe(`http://127.0.0.1:5000/api/v1/signoff/records/${recordId}`);
  expect(page.data.status).toBe('');
  expect(page.data.record.id).toBe(recordId);
  expect(page.data.stateName).toBe('pending');
});
