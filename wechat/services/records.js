// Drafts and submission of maintenance records (issue 3). Endpoint paths live only here.
const http = require('../utils/request');

const CATEGORIES = [
  { value: 'half_month', label: '半月维保' },
  { value: 'quarter', label: '季度维保' },
  { value: 'half_year', label: '半年维保' },
  { value: 'year', label: '年度维保' },
];

function startDraft({ elevatorId, category, secondTechnicianId }) {
  const body = { elevator_id: elevatorId, category };
  if (secondTechnicianId) body.second_technician_id = secondTechnicianId;
  return http.post('/drafts', body);
}

// The technician's own unsubmitted drafts, newest first, so unfinished work can be resumed (the largest page).
async function openDrafts() {
  const page = await http.get('/drafts', { per_page: 100 });
  return page.items || [];
}

function getDraft(draftId) {
  return http.get(`/drafts/${draftId}`);
}

// results: [{code, result, note, remark}] — note is the 不适用 reason or the 有隐患 description.
function saveResults(draftId, results) {
  return http.put(`/drafts/${draftId}/results`, { results });
}

function addItem(draftId, item) {
  return http.post(`/drafts/${draftId}/items`, item);
}

// changes: {remarks, second_technician_id, replaced_parts, hazards}
function updateDraft(draftId, changes) {
  return http.patch(`/drafts/${draftId}`, changes);
}

// point: {lat, lng, accuracy_m, coord_system, captured_at} — captured_at is the phone's time of the fix.
function checkIn(draftId, point) {
  return http.post(`/drafts/${draftId}/check-in`, point);
}

function checkOut(draftId, point) {
  return http.post(`/drafts/${draftId}/check-out`, point);
}

// Cancel an unsubmitted draft (the server deletes it; a submitted record is never affected).
function cancelDraft(draftId) {
  return http.del(`/drafts/${draftId}`);
}

// Submitting a draft again answers the same record (200), so a retry after a lost answer makes no second one.
// deviceSubmittedAt: when the technician tapped submit (a retry sends the original time); default now.
// missingPhotos: [{position, reason}] for each required photo position left without a photo.
function submit(draftId, signaturePngBase64, deviceSubmittedAt, missingPhotos) {
  return http.post(`/drafts/${draftId}/submit`, {
    signature_png: signaturePngBase64,
    device_submitted_at: deviceSubmittedAt || new Date().toISOString(),
    missing_photos: missingPhotos || [],
  });
}

// A site photo (utils/photos.capture): the file kept on the phone is read when it is sent, so a retry sends
// the very bytes, capture time and location of the shot. photo: {position, path, capturedAt, location}
function uploadPhoto(draftId, photo) {
  const base64 = wx.getFileSystemManager().readFileSync(photo.path, 'base64');
  return http.post(`/drafts/${draftId}/photos`, {
    position: photo.position,
    image_base64: base64,
    captured_at: photo.capturedAt,
    location: photo.location || null,
  });
}

function deletePhoto(draftId, photoId) {
  return http.del(`/drafts/${draftId}/photos/${photoId}`);
}

// A photo as the server shows it (watermarked), as a data URL for <image src>.
async function photoDataUrl(url) {
  const dataUrl = await http.image(url.replace(/^\/api\/v1/, ''));
  return dataUrl.replace('data:image/png', 'data:image/jpeg');
}

// The caller's submitted records, newest first, each with its sign-off ({state, deadline_at, …} or null).
// filters: {technician_id, elevator_id, signoff_state, flagged, date_from, date_to, org_node_id, cursor}
function list(filters, perPage) {
  const query = { per_page: perPage || 20 };
  Object.keys(filters || {}).forEach((key) => {
    const value = filters[key];
    if (value !== undefined && value !== null && value !== '') query[key] = value;
  });
  return http.get('/records', query);
}

function detail(recordId) {
  return http.get(`/records/${recordId}`);
}

// The technician's signature image: <image> cannot send the bearer token, so it is fetched here and shown as
// a data URL.
function signatureDataUrl(recordId) {
  return http.image(`/records/${recordId}/signature.png`);
}

// For a page: {signatureSrc} once loaded, or {signatureError} saying why it is not shown (never rejects).
async function signatureView(recordId, failurePrefix) {
  try {
    return { signatureSrc: await signatureDataUrl(recordId), signatureError: '' };
  } catch (err) {
    return { signatureSrc: '', signatureError: `${failurePrefix || '签名图片暂时无法显示'}：${err.message}` };
  }
}

// Active technicians of the caller's unit, own team first: who can be named as the second technician.
async function colleagues() {
  const page = await http.get('/staff/colleagues', { per_page: 100 });
  return page.items || [];
}

module.exports = {
  CATEGORIES,
  startDraft,
  openDrafts,
  getDraft,
  saveResults,
  addItem,
  updateDraft,
  checkIn,
  checkOut,
  cancelDraft,
  submit,
  uploadPhoto,
  deletePhoto,
  photoDataUrl,
  colleagues,
  list,
  detail,
  signatureDataUrl,
  signatureView,
};
