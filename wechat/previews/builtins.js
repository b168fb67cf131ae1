// Preview-only stand-ins for WeChat's built-in components. miniprogram-simulate registers every built-in as
// a bare <wx-*> with a slot and drops its attributes; a picture needs what WeChat shows: a button's type
// and size (which app.wxss's button[size="mini"] rule selects on), an input's value or placeholder, an image.
// Attributes are mirrored onto the host element, so WeChat-like base styles (wechat-base.css) and the
// project's compiled WXSS apply the way they do on a phone.
const REFLECTED = {
  button: { type: 'default', size: 'default', plain: false, disabled: false, loading: false },
  input: { value: '', placeholder: '', type: 'text', password: false, disabled: false },
  textarea: { value: '', placeholder: '', disabled: false },
  image: { src: '', mode: 'scaleToFill' },
  switch: { checked: false, disabled: false },
  checkbox: { checked: false, disabled: false, value: '' },
  radio: { checked: false, disabled: false, value: '' },
  icon: { type: '', size: 23, color: '' },
  progress: { percent: 0 },
  canvas: { type: '' },
};

const TEMPLATES = {
  button: '<span wx:if="{{loading}}" class="wxp-loading"></span><slot/>',
  input: '<span class="wxp-field {{value ? \'\' : \'wxp-placeholder\'}}">{{value ? (password ? \'••••••\' : value) : placeholder}}</span>',
  textarea: '<span class="wxp-field {{value ? \'\' : \'wxp-placeholder\'}}">{{value || placeholder}}</span>',
  image: '<img wx:if="{{src}}" src="{{src}}" class="wxp-img wxp-mode-{{mode}}"/>',
  progress: '<span class="wxp-bar" style="width: {{percent}}%"></span>',
};

function propertyOf(value) {
  return { type: typeof value === 'boolean' ? Boolean : typeof value === 'number' ? Number : String, value };
}

function mirror(el, name, value) {
  if (value === false || value === '' || value === null || value === undefined) el.removeAttribute(name);
  else el.setAttribute(name, value === true ? '' : String(value));
}

function register(jComponent) {
  for (const [name, defaults] of Object.entries(REFLECTED)) {
    const keys = Object.keys(defaults);
    const properties = Object.fromEntries(keys.map((key) => [key, propertyOf(defaults[key])]));
    function reflect() {
      if (!this.$$) return;
      for (const key of keys) mirror(this.$$, key, this.data[key]);
    }
    jComponent.register({
      id: name,
      tagName: `wx-${name}`,
      template: TEMPLATES[name] || '<slot/>',
      properties,
      observers: { [keys.join(', ')]: reflect },
      attached: reflect,
    });
  }
}

module.exports = { register };
