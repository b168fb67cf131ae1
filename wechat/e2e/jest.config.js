// The end-to-end run: the mini-program's services and pages under jest, with wx.request bridged to real HTTP
// against a running `make demo`-style server. Started by tests/demo/test_miniprogram_e2e.py (which serves the
// demo and sets MINIBACK_E2E_API); not part of the plain `npx jest` run, which needs no server.
module.exports = {
  rootDir: '..',
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/e2e/**/*.e2e.js'],
  setupFiles: ['<rootDir>/tests/setup.js', '<rootDir>/e2e/bridge.js'],
  testTimeout: 120000,
};
