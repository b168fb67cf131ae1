// The one way tests load a page or component: miniprogram-simulate with WeChat's own template compiler
// (miniprogram-compiler's wcc), over the whole project, so a template WeChat would refuse fails the test.
const path = require('path');
const simulate = require('miniprogram-simulate');
const { ROOT, filesWithExtension } = require('../scripts/lib/project');

// The packed templates, listed once: without the list miniprogram-compiler globs through node_modules (1 s).
let compilerOptions = null;
function templates() {
  if (!compilerOptions) compilerOptions = { wxmlList: filesWithExtension('.wxml'), wxsList: filesWithExtension('.wxs') };
  return compilerOptions;
}

// `componentPath` relative to the project root, e.g. 'pages/home/index'.
function loadComponent(componentPath, options = {}) {
  return simulate.load(path.join(ROOT, componentPath), { compiler: 'official', rootPath: ROOT, compilerOptions: templates(), ...options });
}

module.exports = { ROOT, loadComponent, templates };
