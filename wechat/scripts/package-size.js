#!/usr/bin/env node
// The size of what DevTools uploads (project.config.json's packOptions.ignore applied) against WeChat's
// limits: 2 MB for the main package and for each subpackage. Source bytes, before DevTools minifies:
// an upper bound of the uploaded size. Exits 1 above a limit.
const fs = require('fs');
const path = require('path');
const { ROOT, readJson, packagedFiles } = require('./lib/project');

const LIMIT = 2 * 1024 * 1024;
const app = readJson('app.json');
const subRoots = (app.subpackages || app.subPackages || []).map((sub) => sub.root.replace(/^\/|\/$/g, ''));

const packages = new Map([['main', { bytes: 0, folders: new Map() }]]);
for (const root of subRoots) packages.set(root, { bytes: 0, folders: new Map() });
for (const file of packagedFiles()) {
  const size = fs.statSync(path.join(ROOT, file)).size;
  const owner = subRoots.find((root) => file.startsWith(`${root}/`)) || 'main';
  const entry = packages.get(owner);
  const folder = file.includes('/') ? file.split('/')[0] : '(root)';
  entry.bytes += size;
  entry.folders.set(folder, (entry.folders.get(folder) || 0) + size);
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
let failed = false;
for (const [name, entry] of packages) {
  const share = ((entry.bytes / LIMIT) * 100).toFixed(1);
  const over = entry.bytes > LIMIT;
  failed = failed || over;
  const label = name === 'main' ? '主包' : `分包 ${name}`;
  console.log(`package-size: ${label} ${kb(entry.bytes)} / ${kb(LIMIT)} (${share}%) ${over ? 'FAIL: over the 2 MB limit' : 'ok'}`);
  const folders = [...entry.folders].sort((a, b) => b[1] - a[1]);
  console.log(`  ${folders.map(([folder, bytes]) => `${folder} ${kb(bytes)}`).join(', ')}`);
}
process.exit(failed ? 1 : 0);
