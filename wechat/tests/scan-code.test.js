const { parseElevatorQr, publicCodeFromLaunch } = require('../utils/scan-code');

const ORIGINS = ['https://miniback.example.cn', 'http://127.0.0.1:5000/'];

describe('parseElevatorQr', () => {
  test.each([
    ['https://miniback.example.cn/e/ab23cd45ef67gh89', 'ab23cd45ef67gh89'],
    ['https://miniback.example.cn/e/ab23cd45/', 'ab23cd45'],
    ['  https://MINIBACK.example.cn/e/ab23cd45?from=label#top \n', 'ab23cd45'],
    ['http://127.0.0.1:5000/e/k7m2p9q4', 'k7m2p9q4'],
  ])('reads the public code from %j', (text, code) => {
    expect(parseElevatorQr(text, ORIGINS)).toEqual({ ok: true, publicCode: code });
  });

  test('rejects a URL from another host and names that host', () => {
    const parsed = parseElevatorQr('https://evil.example.com/e/ab23cd45', ORIGINS);
    expect(parsed).toEqual({
      ok: false,
      message: '这不是本系统的电梯二维码（来自 evil.example.com），请扫描电梯内张贴的维保二维码',
    });
  });

  test('rejects a look-alike host that only starts with ours', () => {
    const parsed = parseElevatorQr('https://miniback.example.cn.evil.com/e/ab23cd45', ORIGINS);
    expect(parsed.ok).toBe(false);
    expect(parsed.message).toContain('miniback.example.cn.evil.com');
  });

  test('rejects our host over plain http when only https is configured', () => {
    expect(parseElevatorQr('http://miniback.example.cn/e/ab23cd45', ORIGINS).ok).toBe(false);
  });

  test('rejects credentials smuggled before the host', () => {
    expect(parseElevatorQr('https://miniback.example.cn@evil.com/e/ab23cd45', ORIGINS).ok).toBe(false);
  });

  test('rejects our host with a path that is not an elevator page', () => {
    expect(parseElevatorQr('https://miniback.example.cn/api/v1/me', ORIGINS)).toEqual({
      ok: false,
      message: '二维码网址中没有电梯编号，无法识别该电梯',
    });
    expect(parseElevatorQr('https://miniback.example.cn/e/ab', ORIGINS).ok).toBe(false);
    expect(parseElevatorQr('https://miniback.example.cn/e/ab23cd45/extra', ORIGINS).ok).toBe(false);
    expect(parseElevatorQr('https://miniback.example.cn/e/ab%2F..%2Fx', ORIGINS).ok).toBe(false);
  });

  test('rejects content that is not a URL', () => {
    expect(parseElevatorQr('6901234567892', ORIGINS)).toEqual({
      ok: false,
      message: '这不是电梯维保二维码（内容不是网址），请扫描电梯内张贴的二维码',
    });
  });

  test('rejects empty content', () => {
    expect(parseElevatorQr('   ', ORIGINS)).toEqual({ ok: false, message: '未识别到二维码内容，请重新扫描' });
    expect(parseElevatorQr(undefined, ORIGINS).ok).toBe(false);
  });

  test('rejects everything when no origin is configured', () => {
    expect(parseElevatorQr('https://miniback.example.cn/e/ab23cd45', []).ok).toBe(false);
  });
});

describe('publicCodeFromLaunch', () => {
  test('reads the encoded URL WeChat passes as q when a plain link QR code opens the page', () => {
    const q = encodeURIComponent('https://miniback.example.cn/e/ab23cd45');
    expect(publicCodeFromLaunch({ q }, ORIGINS)).toEqual({ ok: true, publicCode: 'ab23cd45' });
  });

  test('refuses a foreign URL passed as q', () => {
    const q = encodeURIComponent('https://evil.example.com/e/ab23cd45');
    expect(publicCodeFromLaunch({ q }, ORIGINS).ok).toBe(false);
  });

  test('takes the code from the in-app navigation parameter', () => {
    expect(publicCodeFromLaunch({ code: 'ab23cd45' }, ORIGINS)).toEqual({ ok: true, publicCode: 'ab23cd45' });
  });

  test('asks for a new scan when nothing identifies the elevator', () => {
    expect(publicCodeFromLaunch({}, ORIGINS)).toEqual({ ok: false, message: '缺少电梯编号，请重新扫码' });
  });
});
