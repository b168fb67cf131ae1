#!/usr/bin/env node
// What WeChat DevTools checks before it compiles, then its own compilers over every template and stylesheet:
// - app.json: every page registered, with its files; window, permission and requiredPrivateInfos valid;
// - requiredPrivateInfos equal to the location APIs the code calls (DevTools refuses an undeclared one);
// - each page's/component's .json: usingComponents resolve to components (component: true), and every
//   custom tag a template uses is declared;
// - project.config.json: a mini-program project whose packed files are the mini-program's;
// - wcc compiles every WXML, wcsc every WXSS (miniprogram-compiler, WeChat's Linux builds).
// Exits 1 with every problem listed; prints one summary line otherwise.
const fs = require('fs');
const path = require('path');
const compiler = require('miniprogram-compiler');
const { ROOT, readJson, packagedFiles, filesWithExtension } = require('./lib/project');
const { compileAll } = require('./lib/wxss');

const problems = [];
const problem = (file, message) => problems.push(`${file}: ${message}`);
const exists = (rel) => fs.existsSync(path.join(ROOT, rel));

// The location interfaces WeChat lists for requiredPrivateInfos (小程序隐私接口申明).
const PRIVATE_INFOS = [
  'getFuzzyLocation', 'getLocation', 'onLocationChange', 'startLocationUpdate',
  'startLocationUpdateBackground', 'chooseLocation', 'choosePoi', 'chooseAddress',
];
// Built-in tags (wcc accepts any tag; DevTools warns on unknown ones, which then render as nothing).
const BUILTIN_TAGS = new Set([
  'block', 'template', 'import', 'include', 'slot', 'wxs',
  'view', 'scroll-view', 'swiper', 'swiper-item', 'movable-area', 'movable-view', 'cover-view', 'cover-image',
  'page-container', 'root-portal', 'match-media', 'share-element', 'grid-view', 'list-view', 'sticky-header',
  'sticky-section', 'icon', 'progress', 'rich-text', 'text', 'button', 'checkbox', 'checkbox-group', 'editor',
  'form', 'input', 'label', 'picker', 'picker-view', 'picker-view-column', 'radio', 'radio-group', 'slider',
  'switch', 'textarea', 'navigator', 'functional-page-navigator', 'audio', 'camera', 'image', 'live-player',
  'live-pusher', 'video', 'voip-room', 'map', 'canvas', 'web-view', 'ad', 'ad-custom', 'official-account',
  'open-data', 'navigation-bar', 'page-meta', 'keyboard-accessory', 'channel-live', 'channel-video',
]);

function jsonOf(rel) {
  try {
    return readJson(rel);
  } catch (err) {
    problem(rel, `not valid JSON (${err.message})`);
    return null;
  }
}

function checkComponentJson(base, json, seen) {
  const using = Object.assign({}, (json && json.usingComponents) || {});
  for (const [tag, target] of Object.entries(using)) {
    if (!/^[a-z][a-z0-9-]*$/.test(tag)) problem(`${base}.json`, `usingComponents tag "${tag}" must be lower case with dashes`);
    if (target.startsWith('plugin://')) continue;
    const resolved = path.posix.normalize(target.startsWith('/') ? target.slice(1) : path.posix.join(path.posix.dirname(base), target));
    const missing = ['.js', '.wxml', '.json'].filter((ext) => !exists(resolved + ext));
    if (missing.length) {
      problem(`${base}.json`, `usingComponents "${tag}" → ${target}: no ${missing.join(', ')}`);
      continue;
    }
    const componentJson = jsonOf(`${resolved}.json`);
    if (componentJson && componentJson.component !== true) problem(`${resolved}.json`, 'a used component needs "component": true');
    if (!seen.has(resolved)) {
      seen.add(resolved);
      checkUnit(resolved, componentJson, seen);
    }
  }
  return using;
}

// One page or component: its JSON's components resolve, its template uses only declared tags.
function checkUnit(base, json, seen, appUsing = {}) {
  const using = Object.assign({}, appUsing, checkComponentJson(base, json, seen));
  if (!exists(`${base}.wxml`)) return;
  const wxml = fs.readFileSync(path.join(ROOT, `${base}.wxml`), 'utf8').replace(/<!--[\s\S]*?-->/g, '');
  for (const [, tag] of wxml.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)/g)) {
    const name = tag.toLowerCase();
    if (!BUILTIN_TAGS.has(name) && !(name in using)) problem(`${base}.wxml`, `<${tag}> is neither a built-in component nor in usingComponents`);
  }
}

function checkApp() {
  const app = jsonOf('app.json');
  if (!app) return;
  if (!Array.isArray(app.pages) || app.pages.length === 0) problem('app.json', '"pages" must list at least one page');
  const pages = app.pages || [];
  const seen = new Set();
  const dup = pages.filter((page, i) => pages.indexOf(page) !== i);
  if (dup.length) problem('app.json', `pages registered twice: ${dup.join(', ')}`);
  const appUsing = checkComponentJson('app', app, seen);
  for (const page of pages) {
    if (typeof page !== 'string' || /^\/|\.(js|wxml)$/.test(page)) {
      problem('app.json', `page "${page}" must be a path without a leading slash or extension`);
      continue;
    }
    for (const ext of ['.js', '.wxml']) if (!exists(page + ext)) problem('app.json', `page ${page} has no ${page}${ext}`);
    const json = exists(`${page}.json`) ? jsonOf(`${page}.json`) : {};
    if (json && json.component === true) problem(`${page}.json`, 'a page is not a component (drop "component": true)');
    checkUnit(page, json, seen, appUsing);
  }
  if (app.entryPagePath && !pages.includes(app.entryPagePath)) problem('app.json', `entryPagePath ${app.entryPagePath} is not a registered page`);
  if (app.sitemapLocation && !exists(app.sitemapLocation)) problem('app.json', `sitemapLocation ${app.sitemapLocation} does not exist`);
  if (app.tabBar) {
    for (const item of app.tabBar.list || []) if (!pages.includes(item.pagePath)) problem('app.json', `tabBar page ${item.pagePath} is not registered`);
  }
  for (const [scope, value] of Object.entries(app.permission || {})) {
    if (!value || typeof value.desc !== 'string' || !value.desc) problem('app.json', `permission ${scope} needs a desc`);
    else if (value.desc.length > 30) problem('app.json', `permission ${scope} desc is longer than WeChat's 30 characters`);
  }
  checkPrivateInfos(app);
  // Components only reachable from another component still get their files checked.
  for (const file of filesWithExtension('.json')) {
    const base = file.slice(0, -'.json'.length);
    if (!exists(`${base}.wxml`) || pages.includes(base) || seen.has(base) || base === 'app') continue;
    problem(file, 'a component no page uses (DevTools packs it anyway): use it or delete it');
  }
}

// The location interfaces the code calls, against app.json's declaration (both ways).
function checkPrivateInfos(app) {
  const declared = app.requiredPrivateInfos || [];
  for (const name of declared) if (!PRIVATE_INFOS.includes(name)) problem('app.json', `requiredPrivateInfos: unknown interface ${name}`);
  const called = new Map();
  for (const file of filesWithExtension('.js')) {
    const source = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const name of PRIVATE_INFOS) {
      if (new RegExp(`\\bwx\\.${name}\\s*\\(`).test(source)) called.set(name, [...(called.get(name) || []), file]);
    }
  }
  for (const [name, files] of called) {
    if (!declared.includes(name)) problem('app.json', `${files.join(', ')} call wx.${name} but requiredPrivateInfos does not declare it`);
  }
  for (const name of declared) if (!called.has(name)) problem('app.json', `requiredPrivateInfos declares ${name}, which no code calls`);
  if (['getLocation', 'getFuzzyLocation', 'startLocationUpdate', 'onLocationChange'].some((n) => called.has(n)) && !(app.permission || {})['scope.userLocation']) {
    problem('app.json', 'location is used: permission["scope.userLocation"].desc must say why');
  }
  const locationOrCamera = called.size > 0 || packagedFiles().some((f) => f.endsWith('.js') && /\bwx\.(scanCode|chooseMedia|chooseImage)\s*\(/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
  if (locationOrCamera && app.__usePrivacyCheck__ !== true) problem('app.json', 'private interfaces are used: set "__usePrivacyCheck__": true so WeChat asks for the privacy agreement');
}

function checkProjectConfig() {
  const config = jsonOf('project.config.json');
  if (!config) return;
  if (config.compileType !== 'miniprogram') problem('project.config.json', 'compileType must be "miniprogram"');
  if (!config.appid) problem('project.config.json', 'appid is missing (touristappid for a test account)');
  if (config.miniprogramRoot && !fs.existsSync(path.join(ROOT, config.miniprogramRoot))) problem('project.config.json', `miniprogramRoot ${config.miniprogramRoot} does not exist`);
  for (const file of packagedFiles()) {
    if (!/\.(js|json|wxml|wxss|wxs|png|jpe?g|gif|svg|webp)$/.test(file)) problem('project.config.json', `${file} would be packed: add it to packOptions.ignore`);
  }
}

function compileTemplates() {
  const wxml = filesWithExtension('.wxml');
  const wxs = filesWithExtension('.wxs');
  try {
    compiler.wxmlToJs(ROOT, { wxmlList: wxml, wxsList: wxs });
  } catch (err) {
    problem('wcc', err.message.trim());
  }
  let wxss = [];
  try {
    wxss = compileAll().files;
  } catch (err) {
    problem('wcsc', err.message.trim());
  }
  return { wxml: wxml.length, wxss: wxss.length };
}

checkApp();
checkProjectConfig();
const counts = compileTemplates();
if (problems.length) {
  console.error(`小程序检查失败（${problems.length} 个问题）：`);
  for (const line of problems) console.error(`  ✗ ${line}`);
  process.exit(1);
}
console.log(`compile-check: ok (wcc ${counts.wxml} WXML, wcsc ${counts.wxss} WXSS, app.json/project.config.json and ${filesWithExtension('.json').length} JSON files)`);
