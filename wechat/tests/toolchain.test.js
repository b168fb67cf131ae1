// The checks `make test` runs before jest fail on what WeChat would refuse: run on a copy of the project.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { ROOT } = require('./load-component');

function copyProject() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wechat-check-'));
  fs.cpSync(ROOT, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) && !src.includes(`${path.sep}.git`) });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function run(dir, script) {
  const result = spawnSync(process.execPath, [path.join(dir, 'scripts', script)], { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function edit(dir, file, change) {
  const target = path.join(dir, file);
  fs.writeFileSync(target, change(fs.readFileSync(target, 'utf8')));
}

let dir;
beforeEach(() => {
  dir = copyProject();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the project as it is passes every check', () => {
  for (const script of ['compile-check.js', 'package-size.js', 'elder-check.js']) expect(run(dir, script)).toMatchObject({ status: 0 });
});

test('a template wcc refuses (tags that do not pair) fails the compile check', () => {
  edit(dir, 'pages/scan/index.wxml', (wxml) => wxml.replace('<view class="card-title">扫描电梯二维码</view>', '<view class="card-title"><text>扫描电梯二维码</view>'));
  const { status, output } = run(dir, 'compile-check.js');
  expect(status).toBe(1);
  expect(output).toContain('pages/scan/index.wxml');
  expect(output).toContain('expect end-tag `text`');
});

test('a stylesheet wcsc refuses fails the compile check', () => {
  edit(dir, 'app.wxss', (wxss) => `${wxss}\n.broken > :first-child { color: red; }\n`);
  const { status, output } = run(dir, 'compile-check.js');
  expect(status).toBe(1);
  expect(output).toContain('app.wxss');
});

test('a page registered without its files, or a component that cannot be found, fails', () => {
  edit(dir, 'app.json', (json) => json.replace('"pages/signoff/index"', '"pages/signoff/index",\n    "pages/missing/index"'));
  edit(dir, 'pages/home/index.json', (json) => json.replace('../../components/state-view/index', '../../components/nothing/index'));
  const { status, output } = run(dir, 'compile-check.js');
  expect(status).toBe(1);
  expect(output).toContain('page pages/missing/index has no pages/missing/index.js');
  expect(output).toContain('usingComponents "state-view" → ../../components/nothing/index');
});

test('a location interface called but not declared in requiredPrivateInfos fails', () => {
  edit(dir, 'utils/location.js', (js) => `${js}\nfunction pick() { return wx.chooseLocation({}); }\nmodule.exports.pick = pick;\n`);
  const { status, output } = run(dir, 'compile-check.js');
  expect(status).toBe(1);
  expect(output).toContain('call wx.chooseLocation but requiredPrivateInfos does not declare it');
});

test('a package over 2 MB fails the size report', () => {
  fs.writeFileSync(path.join(dir, 'big.png'), Buffer.alloc(2 * 1024 * 1024 + 1));
  const { status, output } = run(dir, 'package-size.js');
  expect(status).toBe(1);
  expect(output).toContain('over the 2 MB limit');
});

test('small type or a small tap target fails the 适老化 check', () => {
  edit(dir, 'app.wxss', (wxss) => `${wxss}\n.tiny { font-size: 24rpx; }\n`);
  edit(dir, 'pages/scan/index.wxml', (wxml) => wxml.replace('<view class="muted">输入二维码下方印的电梯编号。</view>', '<view class="muted" bindtap="submitManual">输入二维码下方印的电梯编号。</view>'));
  const { status, output } = run(dir, 'elder-check.js');
  expect(status).toBe(1);
  expect(output).toContain('".tiny" font-size 24rpx < 32rpx');
  expect(output).toMatch(/pages\/scan\/index\.wxml:\d+: tap target <view class="muted">/);
});

test('every test loads pages and components through load-component.js (WeChat’s compiler)', () => {
  const direct = fs
    .readdirSync(path.join(ROOT, 'tests'))
    .filter((file) => file.endsWith('.js') && file !== 'load-component.js')
    .filter((file) => /simulate\.load\(/.test(fs.readFileSync(path.join(ROOT, 'tests', file), 'utf8')));
  expect(direct).toEqual([]);
});
