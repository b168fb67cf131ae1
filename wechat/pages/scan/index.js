// wx.scanCode → our own /e/<public code> URL → the elevator confirmation page.
const config = require('../../config');
const nav = require('../../utils/navigation');
const { parseElevatorQr } = require('../../utils/scan-code');
const privacy = require('../../utils/privacy');

const MANUAL_PATTERN = /^[A-Za-z0-9]{4,32}$/;

Component({
  data: { error: '', manualCode: '' },

  methods: {
    async scan() {
      this.setData({ error: '' });
      if (!(await privacy.ensureAgreed())) {
        this.setData({ error: privacy.REFUSED_MESSAGE });
        return;
      }
      wx.scanCode({
        onlyFromCamera: true,
        scanType: ['qrCode'],
        success: (res) => this.handleScan(res.result),
        fail: (res) => {
          if (!/cancel/.test((res && res.errMsg) || '')) this.setData({ error: '扫码失败，请重试或手动输入电梯编号' });
        },
      });
    },

    handleScan(text) {
      const parsed = parseElevatorQr(text, config.current().publicOrigins);
      if (!parsed.ok) {
        this.setData({ error: parsed.message });
        return;
      }
      nav.go('elevator', { code: parsed.publicCode });
    },

    onManualInput(e) {
      this.setData({ manualCode: e.detail.value, error: '' });
    },

    submitManual() {
      const code = (this.data.manualCode || '').trim();
      if (!MANUAL_PATTERN.test(code)) {
        this.setData({ error: '电梯编号为 4–32 位字母或数字' });
        return;
      }
      nav.go('elevator', { code });
    },
  },
});
