// Site photos: camera only, compressed to the server's limits, one slot per required position with a checklist,
// uploaded in the background with the shot's time and location, and retried when the signal comes back.
const simulate = require('miniprogram-simulate');
const { loadComponent } = require('./load-component');
const tokenStore = require('../utils/token-store');
const outbox = require('../utils/outbox');
const photos = require('../utils/photos');
const { createServer } = require('./fake-server');

const pageId = loadComponent('pages/record/index');
const POSITIONS = [
  { code: 'machine_room', label: '机房' },
  { code: 'car_top', label: '轿顶' },
  { code: 'pit', label: '底坑' },
  { code: 'car', label: '轿厢' },
];

function draft() {
  return {
    id: 5,
    elevator_id: 9,
    category: 'half_month',
    status: 'open',
    record_id: null,
    check_in: { at: '2026-11-25T01:00:00+00:00', lat: '23.13', lng: '113.26', coord_system: 'gcj02' },
    check_out: { at: '2026-11-25T01:40:00+00:00', lat: '23.13', lng: '113.26', coord_system: 'gcj02' },
    remarks: '',
    replaced_parts: [],
    hazards: [],
    items: [{ seq: 1, code: 'A-1-01', item: '机房、滑轮间环境', requirement: '清洁', added: false, result: 'normal', note: null }],
    photo_positions: POSITIONS,
    photos: [],
  };
}

// The phone's files: what the camera and wx.compressImage produce, with their sizes.
let files;
let shots;
let server;

function installCamera({ width = 4000, height = 3000, size = 3500000 } = {}) {
  files = {};
  shots = 0;
  wx.chooseMedia = jest.fn((opts) => {
    shots += 1;
    const path = `wxfile://tmp/shot-${shots}.jpg`;
    files[path] = { size, width, height };
    opts.success({ tempFiles: [{ tempFilePath: path, size, fileType: 'image' }], type: 'image' });
  });
  wx.getImageInfo = jest.fn((opts) => opts.success({ width: files[opts.src].width, height: files[opts.src].height }));
  wx.compressImage = jest.fn((opts) => {
    const source = files[opts.src];
    const path = `${opts.src}.q${opts.quality}.jpg`;
    // Smaller with each step of quality, in proportion to the pixels kept.
    const scale = (opts.compressedWidth / source.width) ** 2;
    files[path] = { size: Math.round(source.size * scale * (opts.quality / 100) * 1.6), width: opts.compressedWidth, height: 0 };
    opts.success({ tempFilePath: path });
  });
  const fs = {
    statSync: jest.fn((path) => ({ size: files[path].size })),
    saveFileSync: jest.fn((path) => path.replace('wxfile://tmp/', 'wxfile://usr/')),
    readFileSync: jest.fn(() => '/9j/4AAQSkZJRg=='),
    readFile: jest.fn(),
  };
  wx.getFileSystemManager = jest.fn(() => fs);
  return fs;
}

beforeEach(() => {
  Object.keys(wx.__storage).forEach((key) => delete wx.__storage[key]);
  tokenStore.save({ token: 't', expires_at: '2999-01-01T00:00:00+00:00', account: { id: 1, role: 'technician', name: '张工' } });
  server = createServer(wx, { draft: draft() });
  wx.getLocation.mockImplementation((opts) => opts.success({ latitude: 23.1327, longitude: 113.3322, accuracy: 12 }));
  installCamera();
});

async function settle() {
  for (let i = 0; i < 12; i += 1) await simulate.sleep(0);
}

async function open() {
  const page = simulate.render(pageId);
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad({ draftId: '5' });
  await settle();
  return page;
}

async function take(page, code) {
  await page.instance.takePhoto({ currentTarget: { dataset: { code } } });
  await settle();
}

test('the camera is the only source: the album is never offered', async () => {
  await photos.capture('pit');
  expect(wx.chooseMedia).toHaveBeenCalledTimes(1);
  const options = wx.chooseMedia.mock.calls[0][0];
  expect(options.sourceType).toEqual(['camera']);
  expect(options.mediaType).toEqual(['image']);
  expect(options.count).toBe(1);
});

test('a large shot is compressed until it is within the server limits', async () => {
  installCamera({ width: 4000, height: 3000, size: 9000000 });
  const photo = await photos.capture('pit');
  expect(photo.size).toBeLessThanOrEqual(photos.LIMITS.maxBytes);
  const first = wx.compressImage.mock.calls[0][0];
  expect(first.compressedWidth).toBe(1600); // the long side of 4000 × 3000 brought to 1600
  expect(wx.compressImage.mock.calls.length).toBeGreaterThan(1); // quality 80 was still too large
  expect(photo.path.startsWith('wxfile://usr/')).toBe(true); // kept on the phone for a later retry
});

test('a portrait shot keeps its long side at 1600 and a small one is sent as taken', async () => {
  expect(photos.targetWidth(3000, 4000, photos.LIMITS)).toBe(1200);
  installCamera({ width: 1280, height: 960, size: 300000 });
  const photo = await photos.capture('pit');
  expect(wx.compressImage).not.toHaveBeenCalled();
  expect(photo.size).toBe(300000);
});

test('a shot that cannot be brought under 1 MB is refused on the phone', async () => {
  installCamera({ width: 1600, height: 1200, size: 20000000 });
  await expect(photos.capture('pit')).rejects.toMatchObject({ code: 'photo_too_large' });
});

test('one slot per required position, with a clear checklist', async () => {
  const page = await open();
  const slots = page.querySelectorAll('.photo-slot');
  expect(slots.length).toBe(4);
  expect(page.data.photoSlots.map((slot) => slot.label)).toEqual(['机房', '轿顶', '底坑', '轿厢']);
  expect(page.data.photoSlots.every((slot) => slot.status === 'empty')).toBe(true);
  await take(page, 'pit');
  const pit = page.data.photoSlots.find((slot) => slot.code === 'pit');
  expect(pit.status).toBe('done');
  expect(pit.text).toBe('已上传 1 张');
});

test('each photo is uploaded with its capture time and location', async () => {
  const page = await open();
  const before = Date.now();
  await take(page, 'machine_room');
  const call = server.calls.find((c) => c.method === 'POST' && c.path === '/drafts/5/photos');
  expect(call.body.position).toBe('machine_room');
  expect(call.body.image_base64).toBe('/9j/4AAQSkZJRg==');
  expect(Date.parse(call.body.captured_at)).toBeGreaterThanOrEqual(before - 1000);
  expect(call.body.location).toMatchObject({ lat: 23.1327, lng: 113.3322, coord_system: 'gcj02' });
});

test('without signal the photo waits on the phone and is sent, as taken, when the signal is back', async () => {
  const page = await open();
  server.signal = 'down';
  await take(page, 'car');
  expect(page.data.photoSlots.find((slot) => slot.code === 'car').status).toBe('waiting');
  const waiting = outbox.pending(5).filter((entry) => entry.op === 'uploadPhoto');
  expect(waiting.length).toBe(1);
  const capturedAt = waiting[0].args[1].capturedAt;
  server.signal = 'up';
  await page.instance.retryNow({ quiet: true });
  await settle();
  const sent = server.calls.filter((c) => c.path === '/drafts/5/photos' && c.signal === 'up');
  expect(sent.length).toBe(1);
  expect(sent[0].body.captured_at).toBe(capturedAt);
  expect(page.data.photoSlots.find((slot) => slot.code === 'car').status).toBe('done');
  expect(outbox.pending(5).length).toBe(0);
});

test('submission needs a photo or a reason for every position, and sends the reasons', async () => {
  const page = await open();
  await take(page, 'machine_room');
  await take(page, 'car_top');
  await take(page, 'car');
  page.instance.onSigned({ detail: { base64: 'iVBORw0KGgo=' } });
  await page.instance.submit();
  await settle();
  expect(page.data.submitError).toContain('还缺少照片：底坑');
  expect(server.records.length).toBe(0);
  page.instance.onPhotoReason({ currentTarget: { dataset: { code: 'pit' } }, detail: { value: '底坑积水，无法进入' } });
  await page.instance.submit();
  await settle();
  expect(server.records.length).toBe(1);
  expect(server.records[0].missing_photos).toEqual([{ position: 'pit', reason: '底坑积水，无法进入' }]);
});

test('photos waiting for signal are sent before the submission that follows them', async () => {
  const page = await open();
  server.signal = 'down';
  for (const position of POSITIONS) await take(page, position.code);
  page.instance.onSigned({ detail: { base64: 'iVBORw0KGgo=' } });
  await page.instance.submit();
  await settle();
  expect(server.records.length).toBe(0);
  server.signal = 'up';
  await page.instance.retryNow({ quiet: true });
  await settle();
  const order = server.calls.filter((c) => c.signal === 'up' && c.method === 'POST').map((c) => c.path);
  expect(order).toEqual(['/drafts/5/photos', '/drafts/5/photos', '/drafts/5/photos', '/drafts/5/photos', '/drafts/5/submit']);
  expect(server.records[0].missing_photos).toEqual([]);
});
