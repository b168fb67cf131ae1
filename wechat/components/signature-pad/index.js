// Hand-written signature on a 2D canvas, exported as a PNG and handed to the page as base64.
const MIN_POINTS = 8; // a tap or a dot is not a signature

function pixelRatio() {
  const info = wx.getWindowInfo ? wx.getWindowInfo() : wx.getSystemInfoSync();
  return (info && info.pixelRatio) || 2;
}

function readBase64(filePath) {
  return new Promise((resolve, reject) => {
    wx.getFileSystemManager().readFile({
      filePath,
      encoding: 'base64',
      success: (res) => resolve(res.data),
      fail: reject,
    });
  });
}

Component({
  properties: {
    hint: { type: String, value: '请在此处手写签名' },
    confirmText: { type: String, value: '确认签名' },
  },

  data: { hasInk: false, exporting: false, error: '' },

  lifetimes: {
    attached() {
      this.points = 0;
    },
    ready() {
      this.initCanvas();
    },
  },

  methods: {
    initCanvas() {
      wx.createSelectorQuery()
        .in(this)
        .select('#pad')
        .fields({ node: true, size: true })
        .exec((res) => {
          const hit = res && res[0];
          if (!hit || !hit.node) {
            this.setData({ error: '签名板加载失败，请返回后重试' });
            return;
          }
          const ratio = pixelRatio();
          const canvas = hit.node;
          canvas.width = hit.width * ratio;
          canvas.height = hit.height * ratio;
          const ctx = canvas.getContext('2d');
          ctx.scale(ratio, ratio);
          ctx.lineWidth = 3;
          ctx.lineCap = 'round';
          ctx.lineJoin = 'round';
          ctx.strokeStyle = '#111';
          this.canvas = canvas;
          this.ctx = ctx;
          this.size = { width: hit.width, height: hit.height };
        });
    },

    onTouchStart(e) {
      const touch = e.touches && e.touches[0];
      if (!this.ctx || !touch) return;
      this.ctx.beginPath();
      this.ctx.moveTo(touch.x, touch.y);
      this.points += 1;
    },

    onTouchMove(e) {
      const touch = e.touches && e.touches[0];
      if (!this.ctx || !touch) return;
      this.ctx.lineTo(touch.x, touch.y);
      this.ctx.stroke();
      this.points += 1;
      if (!this.data.hasInk && this.points >= MIN_POINTS) this.setData({ hasInk: true, error: '' });
    },

    onTouchEnd() {
      if (this.ctx) this.ctx.closePath();
    },

    clear() {
      if (this.ctx) this.ctx.clearRect(0, 0, this.size.width, this.size.height);
      this.points = 0;
      this.setData({ hasInk: false, error: '' });
      this.triggerEvent('clear');
    },

    async confirm() {
      if (!this.data.hasInk) {
        this.setData({ error: '请先在签名框内签名' });
        return;
      }
      this.setData({ exporting: true, error: '' });
      try {
        const tempFilePath = await new Promise((resolve, reject) => {
          wx.canvasToTempFilePath(
            {
              canvas: this.canvas,
              fileType: 'png',
              success: (res) => resolve(res.tempFilePath),
              fail: reject,
            },
            this,
          );
        });
        const base64 = await readBase64(tempFilePath);
        this.triggerEvent('confirm', { base64, tempFilePath });
      } catch (err) {
        this.setData({ error: '签名保存失败，请重试' });
      } finally {
        this.setData({ exporting: false });
      }
    },
  },
});
