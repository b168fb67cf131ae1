// Renders each page of app.json in each state of previews/<page>.states.js to <out>/html/<page>--<state>.html
// and lists them in <out>/html/index.json. Run by `make previews` (see wechat/README.md).
const fs = require('fs');
const path = require('path');
const { createWx } = require('../tests/wx-mock');
const { ROOT, readJson } = require('../scripts/lib/project');
const { compileAll, cssOf } = require('../scripts/lib/wxss');
const builtins = require('./builtins');
const { templates } = require('../tests/load-component');

const OUT = path.resolve(process.env.PREVIEWS_OUT || path.join(ROOT, '..', 'build', 'previews', 'wechat'), 'html');
const DEFAULT_NOW = '2026-11-25T10:30:00+08:00';
const app = readJson('app.json');
const compiled = compileAll();
const baseCss = fs.readFileSync(path.join(__dirname, 'wechat-base.css'), 'utf8');
const index = [];

// pages/home/index → home; pages/manager/history/index → manager-history.
function pageKey(page) {
  return page.replace(/^pages\//, '').replace(/\/index$/, '').replace(/\//g, '-');
}

function escapeHtml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// The stylesheets a page shows with, each with the class prefix miniprogram-simulate gives its tag.
function stylesheets(page) {
  const sheets = [];
  const seen = new Set();
  const add = (file, suffix) => {
    if (!compiled.files.includes(file) || seen.has(`${file}|${suffix}`)) return;
    seen.add(`${file}|${suffix}`);
    sheets.push(`/* ${file} */\n${cssOf(compiled, file, { deviceWidth: 375, suffix })}`);
  };
  add('app.wxss', 'main--');
  add(`${page}.wxss`, 'main--');
  (function components(base) {
    const json = fs.existsSync(path.join(ROOT, `${base}.json`)) ? readJson(`${base}.json`) : {};
    for (const [tag, target] of Object.entries(json.usingComponents || {})) {
      const file = path.posix.normalize(target.startsWith('/') ? target.slice(1) : path.posix.join(path.posix.dirname(base), target));
      const own = fs.existsSync(path.join(ROOT, `${file}.json`)) ? readJson(`${file}.json`) : {};
      if ((own.options || {}).addGlobalClass || (own.styleIsolation && own.styleIsolation !== 'isolated')) add('app.wxss', `${tag}--`);
      add(`${file}.wxss`, `${tag}--`);
      components(file);
    }
  })(page);
  return sheets.join('\n');
}

function chrome(page, root) {
  const json = fs.existsSync(path.join(ROOT, `${page}.json`)) ? readJson(`${page}.json`) : {};
  const win = Object.assign({}, app.window || {}, json);
  if (win.navigationStyle === 'custom') return '';
  const fg = win.navigationBarTextStyle === 'black' ? '#000' : '#fff';
  const bg = win.navigationBarBackgroundColor || '#000';
  const back = root ? '' : '<span class="wxp-back">‹</span>';
  return `<div class="wxp-chrome" style="background:${bg};color:${fg}">
  <div class="wxp-status"><span>9:41</span><span>▮▮▮ 100%</span></div>
  <div class="wxp-nav">${back}<span class="wxp-title">${escapeHtml(win.navigationBarTitleText || '')}</span>
    <span class="wxp-capsule ${fg === '#fff' ? 'wxp-white' : 'wxp-black'}"><span>•••</span><span>◎</span></span></div>
</div>`;
}

// WeChat's own overlays the page opened last: a modal (it stays until tapped), and a toast or loading toast
// only when the state asks (`toast: true`: a toast is gone after 1.5 s, a picture with it hides the page).
function overlays(wxMock, withToast) {
  const last = (fn) => (fn && fn.mock && fn.mock.calls.length ? fn.mock.calls[fn.mock.calls.length - 1][0] : null);
  const modal = last(wxMock.showModal);
  if (modal) {
    const cancel = modal.showCancel === false ? '' : `<span class="wxp-modal-cancel">${escapeHtml(modal.cancelText || '取消')}</span>`;
    return `<div class="wxp-mask"><div class="wxp-modal"><div class="wxp-modal-title">${escapeHtml(modal.title || '')}</div>
  <div class="wxp-modal-body">${escapeHtml(modal.content || '')}</div>
  <div class="wxp-modal-buttons">${cancel}<span class="wxp-modal-confirm">${escapeHtml(modal.confirmText || '确定')}</span></div></div></div>`;
  }
  if (!withToast) return '';
  const toast = last(wxMock.showToast) || (wxMock.hideLoading.mock.calls.length < wxMock.showLoading.mock.calls.length ? { title: last(wxMock.showLoading).title, icon: 'loading' } : null);
  if (toast) return `<div class="wxp-toast ${toast.icon === 'none' ? 'wxp-toast-text' : ''}">${escapeHtml(toast.title || '')}</div>`;
  return '';
}

// wx.request answered from the fixture: {'GET /records/pending': {statusCode, data} | {fail} | 'pending'}.
function answerRequests(wxMock, requests, unexpected) {
  const { apiBaseUrl } = require('../config').current();
  wxMock.request.mockImplementation((opts) => {
    const url = opts.url.startsWith(apiBaseUrl) ? opts.url.slice(apiBaseUrl.length) : opts.url;
    const method = (opts.method || 'GET').toUpperCase();
    const answer = requests[`${method} ${url}`] || requests[`${method} ${url.split('?')[0]}`];
    if (answer === undefined) {
      unexpected.push(`${method} ${url}`);
      return { abort() {} };
    }
    if (answer === 'pending') return { abort() {} };
    const response = typeof answer === 'function' ? answer(opts) : answer;
    Promise.resolve().then(() => (response.fail ? opts.fail({ errMsg: response.fail }) : opts.success(Object.assign({ header: {} }, response))));
    return { abort() {} };
  });
}

async function render(page, fixture, name, state) {
  jest.resetModules();
  const now = state.now || fixture.now || DEFAULT_NOW;
  jest.useFakeTimers({ now: new Date(now), doNotFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame', 'performance', 'hrtime'] });
  const wxMock = createWx();
  global.wx = wxMock;
  global.getApp = () => ({ globalData: {} });
  const session = 'session' in state ? state.session : fixture.session;
  if (session) require('../utils/token-store').save({ token: 'preview-token', expires_at: '2999-01-01T00:00:00+00:00', account: session });
  for (const [key, value] of Object.entries(Object.assign({}, fixture.storage, state.storage))) wxMock.setStorageSync(key, value);
  const unexpected = [];
  answerRequests(wxMock, Object.assign({}, fixture.requests, state.requests), unexpected);
  for (const [key, impl] of Object.entries(Object.assign({}, fixture.wx, state.wx))) wxMock[key] = jest.fn(impl);
  if (state.before) state.before({ wx: wxMock });

  const simulate = require('miniprogram-simulate');
  builtins.register(require('j-component'));
  const id = simulate.load(path.join(ROOT, page), { compiler: 'official', rootPath: ROOT, compilerOptions: templates() });
  const rendered = simulate.render(id, state.properties || fixture.properties);
  rendered.attach(document.createElement('parent-wrapper'));
  const instance = rendered.instance;
  const query = Object.assign({}, fixture.query, state.query);
  if (instance.onLoad) instance.onLoad(query);
  if (instance.onShow) instance.onShow();
  if (instance.onReady) instance.onReady();
  for (let i = 0; i < 5; i++) await simulate.sleep(0);
  if (state.act) await state.act({ page: rendered, wx: wxMock, sleep: simulate.sleep });
  for (let i = 0; i < 5; i++) await simulate.sleep(0);
  jest.useRealTimers();
  if (unexpected.length) throw new Error(`previews/${pageKey(page)}.states.js (${name}) does not answer: ${unexpected.join(', ')}`);

  const title = `${page} · ${name}`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=375">
<title>${escapeHtml(title)}</title>
<style>${baseCss}</style>
<style>${stylesheets(page)}</style>
</head><body>
${chrome(page, Boolean(state.root || fixture.root))}
<div class="wxp-page">${rendered.dom.outerHTML}</div>
${overlays(wxMock, Boolean(state.toast))}
</body></html>
`;
}

fs.mkdirSync(OUT, { recursive: true });
for (const page of app.pages) {
  const key = pageKey(page);
  const file = path.join(__dirname, `${key}.states.js`);
  describe(page, () => {
    test(`has previews/${key}.states.js`, () => expect(fs.existsSync(file)).toBe(true));
    if (!fs.existsSync(file)) return;
    const fixture = require(file);
    for (const [name, state] of Object.entries(fixture.states)) {
      test(name, async () => {
        const html = await render(page, fixture, name, state);
        const out = `${key}--${name}.html`;
        fs.writeFileSync(path.join(OUT, out), html);
        index.push({ page, key, state: name, html: out, description: state.description || '' });
      });
    }
  });
}

afterAll(() => fs.writeFileSync(path.join(OUT, 'index.json'), `${JSON.stringify(index, null, 2)}\n`));
