// A small WXML reader for the static checks: elements with their tag, attributes and ancestors.
// Not a template engine: mustache expressions stay as text, wx:if branches are all present.
function parseAttributes(source) {
  const attrs = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?/g;
  for (const [, name, dq, sq] of source.matchAll(re)) attrs[name] = dq !== undefined ? dq : sq !== undefined ? sq : true;
  return attrs;
}

// Every element, each {tag, attrs, classes, line, ancestors: [element…] (nearest last)}.
function elements(wxml) {
  const out = [];
  const stack = [];
  // Comments and inline WXS blanked out, not removed, so offsets still give line numbers.
  const blank = (text) => text.replace(/[^\n]/g, ' ');
  const source = wxml.replace(/<!--[\s\S]*?-->/g, blank).replace(/<wxs[\s\S]*?<\/wxs>/g, blank);
  const re = /<\/?([a-zA-Z][-a-zA-Z0-9]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
  for (const match of source.matchAll(re)) {
    const [whole, tag, attrSource, selfClosing] = match;
    if (whole.startsWith('</')) {
      const at = stack.map((el) => el.tag).lastIndexOf(tag);
      if (at >= 0) stack.length = at;
      continue;
    }
    const attrs = parseAttributes(attrSource);
    const classes = String(attrs.class || '').replace(/\{\{[\s\S]*?\}\}/g, ' ').split(/\s+/).filter(Boolean);
    // Class names a {{ cond ? 'a' : 'b' }} expression may add.
    for (const expr of String(attrs.class || '').match(/\{\{[\s\S]*?\}\}/g) || []) {
      for (const [, name] of expr.matchAll(/'([-a-zA-Z0-9_]+)'/g)) classes.push(name);
    }
    const line = source.slice(0, match.index).split('\n').length;
    const el = { tag, attrs, classes, line, ancestors: stack.slice() };
    out.push(el);
    if (!selfClosing) stack.push(el);
  }
  return out;
}

module.exports = { elements };
