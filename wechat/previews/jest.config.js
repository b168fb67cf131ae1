// `make previews` step 1: render every registered page in every state of its fixture to an HTML document
// (miniprogram-simulate's component tree from WeChat's wcc, styles from WeChat's wcsc). Step 2 (Python,
// tests/wechat/previews.py) photographs them in headless Chromium.
const path = require('path');

module.exports = {
  rootDir: path.join(__dirname, '..'),
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/previews/render.preview.js'],
  setupFiles: ['<rootDir>/tests/setup.js'],
};
