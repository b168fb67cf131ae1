// Configuration per envVersion, from config.js alone; the develop template id is the backend demo's.
const fs = require('fs');
const path = require('path');
const config = require('../config');
const { ROOT } = require('./load-component');

function backendDemoTemplateId() {
  const source = fs.readFileSync(path.join(ROOT, '..', 'miniback', '__init__.py'), 'utf8');
  const match = /"WECHAT_SIGNOFF_TEMPLATE_ID":\s*"([^"]+)"/.exec(source);
  if (!match) throw new Error('miniback/__init__.py no longer sets the demo WECHAT_SIGNOFF_TEMPLATE_ID');
  return match[1];
}

test('the develop sign-off template is the one the `make demo` backend accepts', () => {
  expect(config.ENVIRONMENTS.develop.subscribeTemplateIds).toEqual([backendDemoTemplateId()]);
});

test.each([
  ['develop', 'http://127.0.0.1:5000/api/v1'],
  ['trial', 'https://trial.miniback.example.cn/api/v1'],
  ['release', 'https://miniback.example.cn/api/v1'],
])('envVersion %s picks its own API', (envVersion, apiBaseUrl) => {
  wx.getAccountInfoSync.mockReturnValueOnce({ miniProgram: { envVersion } });
  expect(config.current()).toMatchObject({ name: envVersion, apiBaseUrl });
});

test('an unknown or unreadable envVersion falls back to develop', () => {
  wx.getAccountInfoSync.mockReturnValueOnce({ miniProgram: { envVersion: 'gray' } });
  expect(config.envVersion()).toBe('develop');
  wx.getAccountInfoSync.mockImplementationOnce(() => {
    throw new Error('not in WeChat');
  });
  expect(config.envVersion()).toBe('develop');
});

test('trial and release talk to HTTPS only and keep their QR origins on the same host', () => {
  for (const name of ['trial', 'release']) {
    const env = config.ENVIRONMENTS[name];
    expect(env.apiBaseUrl).toMatch(/^https:\/\//);
    expect(env.publicOrigins.every((origin) => origin.startsWith('https://'))).toBe(true);
    expect(env.stubLoginUser || '').toBe('');
  }
});

test('no template id is written anywhere but config.js', () => {
  const offenders = [];
  (function walk(dir) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'tests', 'previews', 'scripts'].includes(entry.name)) continue;
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.js') && file !== path.join(ROOT, 'config.js') && /tmplIds:\s*\[\s*['"]/.test(fs.readFileSync(file, 'utf8'))) offenders.push(file);
    }
  })(ROOT);
  expect(offenders).toEqual([]);
});
