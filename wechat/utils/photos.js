// Site photos (issue 19): camera only, compressed to the server's limits, one slot per required position.
// The photo is taken with the camera (never the album: sourceType ['camera']), its capture time is the phone's
// time right after the shot and its location the fix taken then (null when there is none: the photo is still
// kept). The file is saved on the phone so that an upload waiting for signal survives the mini-program being
// closed; uploads go through the outbox like every other draft write, in the background, retried on weak signal.
const { ApiError } = require('./api-error');
const location = require('./location');

// The server's limits (miniback/config.py PHOTO_*): at most 1 MB, sides 240–4096 px. The phone aims lower: the
// long side at most 1600 px, which keeps a JPEG well under 1 MB at the first qualities tried.
const LIMITS = { maxBytes: 1024 * 1024, minSide: 240, maxSide: 4096, targetSide: 1600 };
const QUALITIES = [80, 65, 50, 35];

function call(api, options) {
  return new Promise((resolve, reject) => {
    if (typeof wx[api] !== 'function') {
      reject(new ApiError({ status: 0, code: 'unsupported', message: '当前微信版本过低，请升级微信后再拍照' }));
      return;
    }
    wx[api](Object.assign({}, options, { success: resolve, fail: reject }));
  });
}

function failure(code, message) {
  return new ApiError({ status: 0, code, message });
}

// Camera only: the album is not offered, so the photo is one taken now, on site.
async function takeWithCamera() {
  let res;
  try {
    res = await call('chooseMedia', {
      count: 1,
      mediaType: ['image'],
      sourceType: ['camera'],
      sizeType: ['compressed'],
      camera: 'back',
    });
  } catch (err) {
    if (/cancel/i.test((err && err.errMsg) || '')) throw failure('photo_cancelled', '已取消拍照');
    throw failure('camera_failed', '无法打开相机：请在微信设置中允许使用摄像头后重试');
  }
  const file = (res.tempFiles || [])[0];
  if (!file || !file.tempFilePath) throw failure('camera_failed', '没有拍到照片，请重试');
  return { path: file.tempFilePath, size: file.size };
}

function fileSize(path) {
  const fs = wx.getFileSystemManager();
  return fs.statSync(path).size;
}

// The width to ask wx.compressImage for: the long side brought to targetSide, the short side kept in proportion.
function targetWidth(width, height, limits) {
  const long = Math.max(width, height);
  if (long <= limits.targetSide) return width;
  return Math.round((width * limits.targetSide) / long);
}

// {path, size, width, height} within the limits: compressed (smaller, lower quality) until it fits.
async function compressToLimits(photo, limits) {
  const lim = Object.assign({}, LIMITS, limits);
  const info = await call('getImageInfo', { src: photo.path });
  if (Math.min(info.width, info.height) < lim.minSide) {
    throw failure('photo_too_small', `照片太小（至少 ${lim.minSide} 像素），请重新拍摄`);
  }
  const width = targetWidth(info.width, info.height, lim);
  const scaled = width !== info.width;
  if (!scaled && photo.size <= lim.maxBytes) return { path: photo.path, size: photo.size, width: info.width, height: info.height };
  for (const quality of QUALITIES) {
    const res = await call('compressImage', { src: photo.path, quality, compressedWidth: width });
    const size = fileSize(res.tempFilePath);
    if (size <= lim.maxBytes) {
      return { path: res.tempFilePath, size, width, height: Math.round((info.height * width) / info.width) };
    }
  }
  throw failure('photo_too_large', '照片压缩后仍超过 1 MB，请在光线充足处重新拍摄');
}

// Kept on the phone (a temporary file may be cleaned up before the upload gets through).
function keep(path) {
  try {
    return wx.getFileSystemManager().saveFileSync(path);
  } catch (err) {
    return path;
  }
}

// The location at the shot, or null (a photo without a fix is still evidence; the server keeps it as such).
async function whereNow() {
  try {
    const fix = await location.getLocation();
    return { lat: fix.lat, lng: fix.lng, accuracy_m: fix.accuracy_m, coord_system: fix.coord_system };
  } catch (err) {
    return null;
  }
}

// One photo for `position`: {position, path, size, width, height, capturedAt, location}.
async function capture(position, limits) {
  const shot = await takeWithCamera();
  const capturedAt = new Date().toISOString(); // the phone's time of the shot, kept for every retry
  const where = await whereNow();
  const fitted = await compressToLimits(shot, limits);
  return Object.assign({ position, capturedAt, location: where }, fitted, { path: keep(fitted.path) });
}

// The checklist: one slot per required position, with what the server has and what waits on the phone.
// photos: the draft's photos from the server; waiting: outbox entries of op 'uploadPhoto'.
function slots(positions, photos, waiting, reasons) {
  const onServer = {};
  (photos || []).forEach((photo) => {
    onServer[photo.position] = (onServer[photo.position] || 0) + 1;
  });
  const onPhone = {};
  (waiting || []).forEach((entry) => {
    const photo = entry.args[1] || {};
    onPhone[photo.position] = (onPhone[photo.position] || 0) + 1;
  });
  return (positions || []).map((position) => {
    const uploaded = onServer[position.code] || 0;
    const queued = onPhone[position.code] || 0;
    let status = 'empty';
    if (uploaded) status = 'done';
    else if (queued) status = 'waiting';
    const reason = (reasons || {})[position.code] || '';
    let text = '未拍摄';
    if (status === 'done') text = `已上传 ${uploaded} 张`;
    else if (status === 'waiting') text = `已拍摄，等待上传（${queued} 张）`;
    else if (reason) text = '未拍摄，已说明原因';
    return { code: position.code, label: position.label, status, uploaded, queued, reason, text };
  });
}

// Before submitting: every slot has a photo (uploaded or waiting) or a stated reason.
function validate(slotList) {
  const open = slotList.filter((slot) => slot.status === 'empty' && !slot.reason.trim());
  if (!open.length) return { ok: true, message: '', missing: [] };
  const names = open.map((slot) => slot.label).join('、');
  return { ok: false, message: `还缺少照片：${names}。请拍摄，或填写未拍摄的原因`, missing: open.map((slot) => slot.code) };
}

// The reasons the submission sends: one per required position left without a photo.
function missingPhotos(slotList) {
  return slotList
    .filter((slot) => slot.status === 'empty' && slot.reason.trim())
    .map((slot) => ({ position: slot.code, reason: slot.reason.trim() }));
}

module.exports = { LIMITS, QUALITIES, capture, compressToLimits, takeWithCamera, targetWidth, slots, validate, missingPhotos };
