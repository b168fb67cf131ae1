// The one way tests load a page or component: miniprogram-simulate with WeChat's own template compiler
// (miniprogram-compiler's wcc), over the whole project, so a template WeChat would refuse fails the test.
const path = require('path');
const simulate = require('miniprogram-simulate');

const ROOT = path.join(__dirname, '..');

// `componentPath` relative to the project root, e.g. 'pages/home/index'.
function loadComponent(componentPath, options = {}) {
  return simulate.load(path.join(ROOT, componentPath), { compiler: 'official', rootPath: ROOT, ...options });
}

module.exports = { ROOT, loadComponent };
