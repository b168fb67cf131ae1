// Every page the mini-program navigates to is registered in app.json (WeChat shows an error page otherwise).
const fs = require('fs');
const path = require('path');
const nav = require('../utils/navigation');

const ROOT = path.join(__dirname, '..');
const registered = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8')).pages;

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'tests'].includes(entry.name) ? [] : sourceFiles(full);
    return /\.(js|wxml)$/.test(entry.name) ? [full] : [];
  });
}

const SOURCES = sourceFiles(ROOT).map((file) => ({
  file: path.relative(ROOT, file),
  text: fs.readFileSync(file, 'utf8'),
}));
const NAVIGATION = /wx\.(navigateTo|redirectTo|reLaunch|switchTab)\(\s*\{\s*url:\s*([^,}]+)/g;

function pageOf(url) {
  return url.replace(/^\//, '').split('?')[0];
}

test('every named route is a registered page', () => {
  Object.entries(nav.ROUTES).forEach(([name, url]) => {
    expect({ name, page: pageOf(url), registered: registered.includes(pageOf(url)) }).toEqual({
      name,
      page: pageOf(url),
      registered: true,
    });
  });
});

test('navigating by any route opens a registered page', () => {
  Object.keys(nav.ROUTES).forEach((name) => {
    nav.go(name, { record_id: 1 });
    nav.restart(name);
  });
  const urls = [...wx.navigateTo.mock.calls, ...wx.reLaunch.mock.calls].map(([opts]) => opts.url);
  expect(urls).toHaveLength(2 * Object.keys(nav.ROUTES).length);
  urls.forEach((url) => expect(registered).toContain(pageOf(url)));
});

test('every navigation call in the sources uses a named route or a registered literal page', () => {
  const calls = SOURCES.flatMap(({ file, text }) =>
    [...text.matchAll(NAVIGATION)].map((m) => ({ file, url: m[2].trim() })),
  );
  expect(calls.length).toBeGreaterThan(0);
  calls.forEach(({ file, url }) => {
    const literal = /^['"`](\/?pages\/[^'"`?]+)/.exec(url);
    const named = url.startsWith('ROUTES[');
    expect({ file, url, checked: Boolean(named || (literal && registered.includes(pageOf(literal[1])))) }).toEqual({
      file,
      url,
      checked: true,
    });
  });
});

test('every page path written in the sources is registered', () => {
  const written = SOURCES.flatMap(({ file, text }) =>
    [...text.matchAll(/['"`]\/?(pages\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+)/g)].map((m) => ({ file, page: m[1] })),
  );
  expect(written.length).toBeGreaterThan(0);
  written.forEach(({ file, page }) => {
    expect({ file, page, registered: registered.includes(page) }).toEqual({ file, page, registered: true });
  });
});
