#!/usr/bin/env node
// 适老化: type older managers can read and targets they can hit, checked on what WeChat's compilers produce.
// - every font-size in the compiled WXSS is at least 32 rpx (WeChat's own 适老化 guidance puts body text at
//   17 pt and up; 32 rpx is 16 px on a 375 px wide phone);
// - every element a person taps (a bindtap/catchtap, a button, a navigator, a picker) is at least 88 rpx
//   high (44 px, WeChat's and Apple's minimum): a normal button is (46 px); a size="mini" button (30 px) or a
//   tappable view needs a rule giving it min-height/height/line-height of 88 rpx or more, and a mini button
//   a font-size of 32 rpx or more.
// Values are read at a 750-px device width, where WeChat's rpx conversion is one to one.
const fs = require('fs');
const path = require('path');
const { ROOT, readJson, filesWithExtension } = require('./lib/project');
const { compileAll, cssOf } = require('./lib/wxss');
const { elements } = require('./lib/wxml-tree');

const MIN_FONT = 32;
const MIN_TAP = 88;
const problems = [];
const compiled = compileAll();

function rpx(value) {
  const m = /^(-?[\d.]+)(px|rpx)?$/.exec(String(value).trim());
  if (!m) return null;
  return Number(m[1]); // at deviceWidth 750 the compiler already turned rpx into the same number of px
}

// [{selectors: [[compound…]…], decls: {prop: value}, file}]
function rules(file) {
  const css = cssOf(compiled, file, { deviceWidth: 750 }).replace(/\/\*[\s\S]*?\*\//g, '');
  const out = [];
  for (const [, selectorText, body] of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    if (selectorText.trim().startsWith('@')) continue;
    const decls = {};
    for (const decl of body.split(';')) {
      const at = decl.indexOf(':');
      if (at > 0) decls[decl.slice(0, at).trim().toLowerCase()] = decl.slice(at + 1).replace('!important', '').trim();
    }
    const selectors = selectorText.split(',').map((sel) => sel.trim().split(/\s+/).filter((part) => part !== '>'));
    out.push({ selectors, decls, file, text: selectorText.trim() });
  }
  return out;
}

function compoundMatches(compound, el) {
  const tagPart = /^([a-zA-Z][-a-zA-Z0-9]*)/.exec(compound);
  const tag = tagPart ? tagPart[1].replace(/^wx-/, '') : null;
  if (tag && tag !== el.tag && !(tag === 'body' && el.tag === 'page')) return false;
  const classes = [...compound.matchAll(/\.([-_a-zA-Z0-9]+)/g)].map((m) => m[1]);
  const attrs = [...compound.matchAll(/\[([-a-zA-Z0-9_]+)(?:=["']?([^\]"']*)["']?)?\]/g)];
  const attrsMatch = attrs.every(([, name, value]) => (value === undefined ? name in el.attrs : el.attrs[name] === value));
  return classes.every((cls) => el.classes.includes(cls)) && attrsMatch && Boolean(tag || classes.length || attrs.length);
}

function selectorMatches(parts, el) {
  if (!compoundMatches(parts[parts.length - 1], el)) return false;
  let i = parts.length - 2;
  for (let a = el.ancestors.length - 1; a >= 0 && i >= 0; a--) if (compoundMatches(parts[i], el.ancestors[a])) i--;
  return i < 0;
}

// The top plus bottom of a padding shorthand (1 to 4 values).
function verticalPadding(value) {
  const parts = String(value).trim().split(/\s+/).map((part) => rpx(part) || 0);
  if (parts.length === 1) return 2 * parts[0];
  return parts[0] + (parts.length >= 3 ? parts[2] : parts[0]);
}

// Height: a declared min-height/height/line-height, else one line of text (1.4 × font-size) plus the
// vertical padding, whichever is more. A normal WeChat button is 46 px (92 rpx) with 18 px text; a mini one
// has 13 px (26 rpx) text.
function measure(el, styles) {
  const button = el.tag === 'button';
  const mini = button && el.attrs.size === 'mini';
  let declared = button && !mini ? 92 : 0;
  let font = button && !mini ? 36 : button ? 26 : 32;
  let padding = 0;
  for (const rule of styles) {
    if (!rule.selectors.some((parts) => selectorMatches(parts, el))) continue;
    for (const prop of ['min-height', 'height', 'line-height']) {
      const v = rule.decls[prop] !== undefined ? rpx(rule.decls[prop]) : null;
      if (v !== null) declared = Math.max(declared, v);
    }
    if (rule.decls['font-size'] !== undefined && rpx(rule.decls['font-size']) !== null) font = rpx(rule.decls['font-size']);
    if (rule.decls.padding !== undefined) padding = verticalPadding(rule.decls.padding);
    for (const side of ['padding-top', 'padding-bottom']) if (rule.decls[side] !== undefined) padding += rpx(rule.decls[side]) || 0;
  }
  return { height: Math.round(Math.max(declared, font * 1.4 + padding)), font };
}

// Type sizes: every font-size declared anywhere.
for (const file of compiled.files) {
  for (const rule of rules(file)) {
    const size = rule.decls['font-size'];
    if (size === undefined) continue;
    const value = rpx(size);
    if (value !== null && value < MIN_FONT) problems.push(`${file}: "${rule.text}" font-size ${value}rpx < ${MIN_FONT}rpx`);
  }
}

// Tap targets, per page and component with the stylesheets that apply to it.
function stylesFor(base) {
  const own = fs.existsSync(path.join(ROOT, `${base}.wxss`)) ? rules(`${base}.wxss`) : [];
  const json = fs.existsSync(path.join(ROOT, `${base}.json`)) ? readJson(`${base}.json`) : {};
  const isComponent = json.component === true;
  const shared = !isComponent || (json.options && json.options.addGlobalClass) || (json.styleIsolation && json.styleIsolation !== 'isolated') ? rules('app.wxss') : [];
  return shared.concat(own);
}

const TAPPABLE = /^(bind|catch|capture-bind|capture-catch|mut-bind)(:)?(tap|longpress)$/;
for (const file of filesWithExtension('.wxml')) {
  const base = file.slice(0, -'.wxml'.length);
  const styles = stylesFor(base);
  const wxml = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const all = elements(wxml);
  for (const el of all) {
    const tapped = Object.keys(el.attrs).some((name) => TAPPABLE.test(name));
    const control = ['button', 'navigator', 'picker'].includes(el.tag);
    if (!tapped && !control) continue;
    const mini = el.tag === 'button' && el.attrs.size === 'mini';
    const { height, font } = measure(el, styles);
    const label = `<${el.tag}${el.classes.length ? ` class="${el.classes.join(' ')}"` : ''}${mini ? ' size="mini"' : ''}>`;
    const where = `${file}:${el.line}`;
    if (el.tag === 'picker' || el.tag === 'navigator') {
      // What is seen and tapped is the child: the tallest direct child counts.
      const children = all.filter((child) => child.ancestors[child.ancestors.length - 1] === el);
      const tallest = Math.max(height, ...children.map((child) => measure(child, styles).height));
      if (tallest < MIN_TAP) problems.push(`${where}: tap target ${label} is about ${tallest}rpx high (< ${MIN_TAP}rpx)`);
      continue;
    }
    if (height < MIN_TAP) problems.push(`${where}: tap target ${label} is about ${height}rpx high (< ${MIN_TAP}rpx)`);
    if (font < MIN_FONT) problems.push(`${where}: ${label} text is ${font}rpx (< ${MIN_FONT}rpx)`);
  }
}

if (problems.length) {
  console.error(`适老化检查失败（${problems.length} 处）：`);
  for (const line of problems) console.error(`  ✗ ${line}`);
  process.exit(1);
}
console.log(`elder-check: ok (font-size ≥ ${MIN_FONT}rpx in ${compiled.files.length} WXSS files, tap targets ≥ ${MIN_TAP}rpx in ${filesWithExtension('.wxml').length} WXML files)`);
