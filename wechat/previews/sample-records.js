// Shared by the preview fixtures of the record pages: submitted records as GET /records answers them, and a
// technician's signature (a real PNG with strokes, from tests/factories/signatures.py).
const SIGNATURE_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAASwAAAB4CAIAAADHd1h3AAADuUlEQVR4nO3dYW7aMACGYbrtChynp99xuMIk9sPSxCCFNLbzOeZ5fm1SSWI5b2NSmn78PJ3+XK8nIOTjqkCI+pE+AHh3IoQwEUKYCCFMhBAmQggTIYSJEMJECGEihDARQpgIIUyEECZCCBMhhIkQwkQIYSKEMBFCmAghTIQQJkII+7XtZefz5+1/L5ffLQ4G3pErIYSJEMJECGEihDARQpgIIUyEECZCCBMhhIkQwkQIYSKEMBFCmAghTIQQJkJo4+6XbNfb+Eu9wD+b8ytECNvd5ffvv9961oQIYYvKq98tEcL3NMyvECGs1Ty/QoTwWqf8ChHCMy/zK/dgaioVISxbmV89EcK93fIr2kR4Pn96CDdHt2ZJ2eM8b3YlLAOQIkeUyq/Y+NnRy+X34jF1vYm0szKWmUbEo/P5c83is+vVZfuV8KtDn+CSuPhZpEOPiEc7v/F74uN6vda8/vlIDnfijjMx9NNjlmv+TllthItHcOcQJ+76ZechhrNGuZ32VjfV+n2TzUf4eBB3Rp7mbe/6Rh7RS7cf9t/2wf/D6brGqfxznc0iXDyaO0NN88obYgca0RpvuN7eYchjRVgMfuJuuB89+IjWeM/19vMvaDXSESMsBjxxa34cNOBwVnrn9fZX2o5u3AhPI524rX4aO86IXrLeXtRjRENHWGSneYf70fUbbMt6e1G/URwgwmL/ae49KwOeuNbbi3b+Rj9uhMU+M516R95pL/VHUrznenv/Ixk9wlPnaR7hLcEOe1y/920HMHiK4+RXHC/Covk0j7Ym2WHv1tuL9j+wo0ZY1E/zaLNivd3JaBN969gRFttmethZsd7ec+87HMBLM0R4+uY0D5vfLevt3nvstNMNJomweDnNh8jvlvV2j7003FETU0VYzPcxK+vtVhuv334PE0ZYTPaBY+vtyg1u2+Y+po3wdORZ+Yr19ne3sH47QTNHWMz3G6jW22te9fy1Q6mM8AAP/y1DmiO/4m5EK79+ZM+v4Y9P0JgmvyYOcCWcmPX2V1/W7oj2MP9ydHrW28Vxhzz/cnR61tsTDLmGKyEdzbfeXlR5Jdz4GHxY4/L/A+Tv/j1HgfUsR+luvvV2W66E7KS0p8BHIoQwEUKVyrsyJxFCnAghTIQQJkIIEyGEiRDCRAhhIoQwEUKYCCFMhBAmQggTIYR5vAWEuRJCmAghTIQQJkIIEyGEiRDCRAhhIoQwEUKYCCFMhBAmQggTIYSJEMJECGEihDARQpgIIUyEECZCCBMhhIkQwv4Cu3tbYFnOuD0AAAAASUVORK5CYII=';

const ELEVATORS = [
  { id: 9, public_code: 'k7m2p9q4', address: '广州市天河区体育西路 191 号 中石化大厦', position: 'A 座 3 号客梯' },
  { id: 10, public_code: 'h3n8r2w5', address: '广州市越秀区东风中路 410 号 时代地产中心', position: '1 号客梯' },
  { id: 11, public_code: 'p4t6y9c2', address: '广州市海珠区新港东路 1000 号 保利世贸中心 B 座', position: '2 号货梯' },
];
const PEOPLE = ['李建国', '陈志强', '黄海涛'];

// The deadline of a pending record: relative to the previews' fixed clock (render.preview.js DEFAULT_NOW).
function signoffFor(i, now) {
  const base = Date.parse(now || '2026-11-25T02:30:00Z');
  switch (i % 5) {
    case 0:
      return { state: 'pending', deadline_at: new Date(base + (i === 0 ? 80 : 600 + i * 60) * 60000).toISOString(), decided_at: null, objection_open: false, objection_reason: null };
    case 1:
      return { state: 'signed', deadline_at: '2026-11-24T16:00:00+00:00', decided_at: '2026-11-24T03:10:00+00:00', objection_open: false, objection_reason: null };
    case 2:
      return { state: 'default_confirmed', deadline_at: '2026-11-23T16:00:00+00:00', decided_at: '2026-11-23T16:00:05+00:00', objection_open: false, objection_reason: null };
    case 3:
      return { state: 'objected', deadline_at: '2026-11-22T16:00:00+00:00', decided_at: '2026-11-22T05:00:00+00:00', objection_open: true, objection_reason: '第 A-1-05 项制动器间隙未实际测量' };
    default:
      return { state: 'objection_resolved', deadline_at: '2026-11-21T16:00:00+00:00', decided_at: '2026-11-21T06:00:00+00:00', objection_open: false, objection_reason: '签到时间与实际到场时间不符' };
  }
}

function record(i, overrides) {
  const day = String(25 - (i % 20)).padStart(2, '0');
  return Object.assign(
    {
      id: 4100 - i,
      elevator_id: ELEVATORS[i % 3].id,
      elevator: ELEVATORS[i % 3],
      category: i % 7 === 6 ? 'quarter' : 'half_month',
      maintenance_day: `2026-11-${day}`,
      check_in_at: `2026-11-${day}T01:00:00+00:00`,
      check_out_at: `2026-11-${day}T01:42:00+00:00`,
      technician_name: PEOPLE[i % 3],
      flagged: i % 6 === 4,
      flag_distance: i % 6 === 4,
      flag_duration: false,
      flag_overlap: false,
      late_upload: false,
      signoff: signoffFor(i),
    },
    overrides,
  );
}

function page(n, nextCursor) {
  return { statusCode: 200, data: { items: Array.from({ length: n }, (_, i) => record(i)), next_cursor: nextCursor || null } };
}

// wx.arrayBufferToBase64 for the signature image answered by 'GET /records/<id>/signature.png'.
const SIGNATURE_WX = { arrayBufferToBase64: () => SIGNATURE_PNG_BASE64 };
const SIGNATURE_ANSWER = { statusCode: 200, data: new ArrayBuffer(8) };

module.exports = { ELEVATORS, PEOPLE, record, page, signoffFor, SIGNATURE_PNG_BASE64, SIGNATURE_WX, SIGNATURE_ANSWER };
