// A fresh mocked `wx` for every test file; tests override single functions with jest.fn().
const { createWx } = require('./wx-mock');

global.wx = createWx();
global.getApp = () => ({ globalData: {} });
