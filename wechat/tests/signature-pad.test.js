const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');

function fakeCanvas() {
  const ctx = {
    scale: jest.fn(),
    beginPath: jest.fn(),
    moveTo: jest.fn(),
    lineTo: jest.fn(),
    stroke: jest.fn(),
    closePath: jest.fn(),
    clearRect: jest.fn(),
  };
  return { ctx, node: { width: 0, height: 0, getContext: jest.fn(() => ctx) } };
}

function withCanvas(canvas) {
  wx.createSelectorQuery.mockImplementation(() => {
    const query = { in: () => query, select: () => query, fields: () => query };
    query.exec = (cb) => cb([{ node: canvas.node, width: 300, height: 180 }]);
    return query;
  });
}

// Loaded once per file: the component's JS module runs (and registers) only once.
const id = loadComponent('components/signature-pad/index');

function render() {
  const comp = simulate.render(id);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

function draw(comp, strokes) {
  comp.instance.onTouchStart({ touches: [{ x: 10, y: 10 }] });
  for (let i = 0; i < strokes; i += 1) comp.instance.onTouchMove({ touches: [{ x: 10 + i, y: 20 + i }] });
  comp.instance.onTouchEnd();
}

describe('signature-pad', () => {
  let canvas;
  beforeEach(() => {
    canvas = fakeCanvas();
    withCanvas(canvas);
  });

  test('sizes the canvas for the pixel ratio when ready', () => {
    render();
    expect(canvas.node.width).toBe(600);
    expect(canvas.node.height).toBe(360);
    expect(canvas.ctx.scale).toHaveBeenCalledWith(2, 2);
  });

  test('confirming an empty pad asks for a signature and exports nothing', async () => {
    const comp = render();
    const onConfirm = jest.fn();
    comp.addEventListener('confirm', onConfirm);
    await comp.instance.confirm();
    expect(comp.data.error).toBe('请先在签名框内签名');
    expect(wx.canvasToTempFilePath).not.toHaveBeenCalled();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  test('a single dot is not a signature', async () => {
    const comp = render();
    draw(comp, 2);
    await comp.instance.confirm();
    expect(comp.data.hasInk).toBe(false);
    expect(comp.data.error).toBe('请先在签名框内签名');
  });

  test('drawing then confirming exports a PNG and emits its base64', async () => {
    wx.canvasToTempFilePath.mockImplementation((opts) => opts.success({ tempFilePath: 'wxfile://tmp/sig.png' }));
    const readFile = jest.fn((opts) => opts.success({ data: 'iVBORw0KGgo=' }));
    wx.getFileSystemManager.mockReturnValue({ readFile });
    const comp = render();
    const onConfirm = jest.fn();
    comp.addEventListener('confirm', onConfirm);
    draw(comp, 10);
    expect(comp.data.hasInk).toBe(true);
    expect(canvas.ctx.stroke).toHaveBeenCalledTimes(10);
    await comp.instance.confirm();
    expect(wx.canvasToTempFilePath.mock.calls[0][0]).toMatchObject({ canvas: canvas.node, fileType: 'png' });
    expect(readFile.mock.calls[0][0]).toMatchObject({ filePath: 'wxfile://tmp/sig.png', encoding: 'base64' });
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(onConfirm.mock.calls[0][0].detail).toEqual({ base64: 'iVBORw0KGgo=', tempFilePath: 'wxfile://tmp/sig.png' });
    expect(comp.data.exporting).toBe(false);
  });

  test('an export failure shows an error and emits nothing', async () => {
    wx.canvasToTempFilePath.mockImplementation((opts) => opts.fail({ errMsg: 'canvasToTempFilePath:fail' }));
    const comp = render();
    const onConfirm = jest.fn();
    comp.addEventListener('confirm', onConfirm);
    draw(comp, 10);
    await comp.instance.confirm();
    expect(comp.data.error).toBe('签名保存失败，请重试');
    expect(onConfirm).not.toHaveBeenCalled();
  });

  test('clear wipes the canvas and requires signing again', async () => {
    const comp = render();
    draw(comp, 10);
    comp.instance.clear();
    expect(canvas.ctx.clearRect).toHaveBeenCalledWith(0, 0, 300, 180);
    expect(comp.data.hasInk).toBe(false);
    await comp.instance.confirm();
    expect(comp.data.error).toBe('请先在签名框内签名');
  });

  test('a missing canvas node shows a load error', () => {
    wx.createSelectorQuery.mockImplementation(() => {
      const query = { in: () => query, select: () => query, fields: () => query, exec: (cb) => cb([null]) };
      return query;
    });
    const comp = render();
    expect(comp.data.error).toBe('签名板加载失败，请返回后重试');
  });
});
