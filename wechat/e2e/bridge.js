// wx.request → real HTTP (Node's http module) against MINIBACK_E2E_API, the way WeChat sends it: JSON bodies,
// GET data as a query string, JSON answers parsed, `arraybuffer` answers as ArrayBuffers. `bridge.signal` cuts
// the line ('down': nothing arrives) or loses the answer ('lost': the server acts, the phone hears nothing).
const http = require('http');

const API = process.env.MINIBACK_E2E_API;
if (!API) throw new Error('MINIBACK_E2E_API is not set: run this through tests/demo/test_miniprogram_e2e.py');

const bridge = { signal: 'up', sent: [] };
global.__bridge = bridge;

function query(data) {
  const params = new URLSearchParams();
  Object.keys(data || {}).forEach((key) => {
    if (data[key] !== undefined && data[key] !== null) params.append(key, String(data[key]));
  });
  const text = params.toString();
  return text ? `?${text}` : '';
}

function request(opts) {
  const method = (opts.method || 'GET').toUpperCase();
  const url = new URL(opts.url);
  const hasBody = !['GET', 'DELETE'].includes(method);
  const body = hasBody ? Buffer.from(JSON.stringify(opts.data === undefined ? {} : opts.data)) : null;
  const target = `${url.pathname}${url.search || (hasBody ? '' : query(opts.data))}`;
  bridge.sent.push({ method, path: target, signal: bridge.signal });
  if (bridge.signal === 'down') {
    setTimeout(() => opts.fail && opts.fail({ errMsg: 'request:fail timeout' }), 0);
    return;
  }
  const headers = Object.assign({}, opts.header || {});
  if (body) headers['Content-Length'] = body.length;
  const lost = bridge.signal === 'lost';
  const req = http.request(
    { method, hostname: url.hostname, port: url.port, path: target, headers, timeout: opts.timeout || 15000 },
    (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        if (lost) {
          opts.fail && opts.fail({ errMsg: 'request:fail timeout' });
          return;
        }
        const buffer = Buffer.concat(chunks);
        let data;
        if (opts.responseType === 'arraybuffer') {
          data = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length);
        } else {
          const text = buffer.toString('utf8');
          const json = /json/.test(res.headers['content-type'] || '');
          data = json && text ? JSON.parse(text) : text;
        }
        opts.success && opts.success({ statusCode: res.statusCode, data, header: res.headers });
      });
    },
  );
  req.on('error', (err) => opts.fail && opts.fail({ errMsg: `request:fail ${err.message}` }));
  if (body) req.write(body);
  req.end();
}

let codes = 0;
wx.request.mockImplementation(request);
// Every wx.login gives a fresh code, as WeChat does (the demo's stub, like WeChat, takes each code once).
wx.login.mockImplementation((opts) => {
  codes += 1;
  opts.success({ code: `e2e${codes}` });
});
wx.arrayBufferToBase64.mockImplementation((buffer) => Buffer.from(buffer).toString('base64'));
