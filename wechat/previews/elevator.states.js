// Preview states of pages/elevator/index: the scanned elevator, its location, the category, then the draft.
const ELEVATOR = {
  id: 9,
  public_code: 'k7m2p9q4',
  device_code: '31104401002019120001',
  registration_code: '粤A-DT-2019-0001',
  elevator_type: 'traction',
  address: '广州市天河区体育西路 191 号 中石化大厦',
  position: 'A 座 3 号客梯',
  rescue_code: '44010612345',
};
const BY_CODE = 'GET /elevators/by-public-code/k7m2p9q4';
const fix = { latitude: 23.137466, longitude: 113.321053, accuracy: 12 };

const samples = require('./sample-records');

module.exports = {
  // The elevator's recent history below its data (GET /records?elevator_id=…).
  requests: { 'GET /records': samples.page(3, 'more') },
  session: { id: 11, role: 'technician', name: '李建国' },
  query: { code: 'k7m2p9q4' },
  states: {
    loading: { requests: { [BY_CODE]: 'pending' } },
    // An elevator with nothing filled in yet: the completion fields show.
    empty: {
      description: '电梯资料不全（需补充位置与救援识别码）',
      requests: { [BY_CODE]: { statusCode: 200, data: Object.assign({}, ELEVATOR, { position: null, rescue_code: null, registration_code: null }) } },
    },
    error: { requests: { [BY_CODE]: { statusCode: 404, data: { error: { code: 'not_found', message: '没有找到该电梯，请确认二维码属于本系统' } } } } },
    typical: {
      description: '已定位，已选类别',
      requests: { [BY_CODE]: { statusCode: 200, data: ELEVATOR } },
      wx: { getLocation: (opts) => opts.success(fix) },
      act: async ({ page, sleep }) => {
        await page.instance.locate();
        page.instance.setData({ category: 'half_month' });
        await sleep(0);
      },
    },
    privacy: {
      description: '首次定位前的隐私保护指引弹窗',
      requests: { [BY_CODE]: { statusCode: 200, data: ELEVATOR } },
      before: ({ wx }) => {
        wx.__privacy.needAuthorization = true;
      },
      act: ({ page }) => {
        page.instance.locate(); // waits for the answer in the popup
      },
    },
    'rough-fix': {
      description: '定位误差过大的说明',
      requests: { [BY_CODE]: { statusCode: 200, data: ELEVATOR } },
      wx: { getLocation: (opts) => opts.success(Object.assign({}, fix, { accuracy: 850 })), showModal: () => {} },
      act: ({ page }) => {
        page.instance.locate(); // waits for the choice in WeChat's modal
      },
    },
    long: {
      description: '定位被拒绝',
      requests: { [BY_CODE]: { statusCode: 200, data: Object.assign({}, ELEVATOR, { address: '广州市番禺区南村镇番禺大道北 383 号 万达广场 B 区写字楼 2 栋地下二层停车场东侧货梯' }) } },
      wx: { getLocation: (opts) => opts.fail({ errMsg: 'getLocation:fail auth deny' }) },
      act: ({ page }) => page.instance.locate(),
    },
  },
};
