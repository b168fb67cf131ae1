// The elevator QR holds https://<public host>/e/<public code>; only our own hosts are accepted.
const URL_PATTERN = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#\s]+)([^?#\s]*)(\?[^#\s]*)?(#\S*)?$/;
const PATH_PATTERN = /^\/e\/([A-Za-z0-9]{4,32})\/?$/;
const SCENE_PATTERN = /^[A-Za-z0-9]{4,32}$/;

function origin(scheme, host) {
  return `${scheme.toLowerCase()}://${host.toLowerCase()}`;
}

function normaliseOrigin(value) {
  return String(value).replace(/\/+$/, '').toLowerCase();
}

// Returns {ok: true, publicCode} or {ok: false, message} with a message the technician can act on.
function parseElevatorQr(text, allowedOrigins) {
  const content = typeof text === 'string' ? text.trim() : '';
  if (!content) return { ok: false, message: '未识别到二维码内容，请重新扫描' };
  const match = URL_PATTERN.exec(content);
  if (!match) return { ok: false, message: '这不是电梯维保二维码（内容不是网址），请扫描电梯内张贴的二维码' };
  const [, scheme, host, path] = match;
  const allowed = (allowedOrigins || []).map(normaliseOrigin);
  if (!allowed.includes(origin(scheme, host))) {
    return { ok: false, message: `这不是本系统的电梯二维码（来自 ${host}），请扫描电梯内张贴的维保二维码` };
  }
  const pathMatch = PATH_PATTERN.exec(path);
  if (!pathMatch) return { ok: false, message: '二维码网址中没有电梯编号，无法识别该电梯' };
  return { ok: true, publicCode: pathMatch[1] };
}

function decoded(value) {
  try {
    return decodeURIComponent(String(value));
  } catch (err) {
    return null; // a malformed %-sequence: not one of our codes
  }
}

// Opened by WeChat's "scan a plain link QR code" rule the page receives the URL as options.q (encoded);
// opened from the mini-program code (wxacode) it receives the public code as options.scene (encoded).
function publicCodeFromLaunch(options, allowedOrigins) {
  if (options && options.code) return { ok: true, publicCode: String(options.code) };
  if (options && options.q) return parseElevatorQr(decoded(options.q), allowedOrigins);
  if (options && options.scene) {
    const code = decoded(options.scene);
    if (code && SCENE_PATTERN.test(code)) return { ok: true, publicCode: code };
    return { ok: false, message: '小程序码中没有电梯编号，请扫描电梯内张贴的维保二维码' };
  }
  return { ok: false, message: '缺少电梯编号，请重新扫码' };
}

module.exports = { parseElevatorQr, publicCodeFromLaunch };
