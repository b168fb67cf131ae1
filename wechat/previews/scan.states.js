// Preview states of pages/scan/index: no data to load, so the states are the scan and its outcomes.
module.exports = {
  session: { id: 11, role: 'technician', name: '李建国' },
  states: {
    typical: {},
    error: { description: '扫到其他系统的二维码', act: ({ page }) => page.instance.handleScan('https://weixin.qq.com/r/abcdefg') },
    long: {
      description: '手动输入的电梯编号',
      act: ({ page }) => page.instance.setData({ manualCode: 'K7M2P9Q4K7M2P9Q4', error: '扫码失败，请重试或手动输入电梯编号' }),
    },
  },
};
