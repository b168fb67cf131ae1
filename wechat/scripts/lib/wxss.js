// WXSS through WeChat's own stylesheet compiler (wcsc, from miniprogram-compiler), turned into plain CSS.
// rpx become px at the given device width: 375 for a phone preview, 750 to read values back in rpx.
const vm = require('vm');
const unescapeJs = require('unescape-js');
const wcsc = require('miniprogram-compiler/src/wcsc');
const { ROOT, filesWithExtension } = require('./project');

// {file: source} for the project's WXSS; throws with wcsc's message when a file does not compile.
function compileAll() {
  const files = filesWithExtension('.wxss').map((file) => file.slice(0, -'.wxss'.length));
  const result = wcsc(ROOT, files);
  // miniprogram-compiler returns (does not throw) the error of a failed wcsc run.
  if (result instanceof Error) throw result;
  return { files: files.map((file) => `${file}.wxss`), result };
}

// CSS text of one compiled file. `suffix` is the component's class prefix (WeChat's style isolation: the
// compiler writes %%HERESUFFIX%% before every class); miniprogram-simulate's DOM uses '<tag>--'.
function cssOf(compiled, file, { deviceWidth = 375, suffix = '' } = {}) {
  const code = compiled.result[file];
  if (code === undefined) throw new Error(`wcsc did not compile ${file}`);
  let css = '';
  const sandbox = {
    navigator: { userAgent: 'preview' },
    window: {
      screen: { width: deviceWidth, height: deviceWidth * 2 },
      devicePixelRatio: 2,
      __styleSheetManager2__: { addItem() {}, setCss: (key, text) => (css = text) },
    },
  };
  vm.runInNewContext(`${unescapeJs(compiled.result.comm)};\n(${unescapeJs(code)})(${JSON.stringify(suffix)}, { deviceWidth: ${deviceWidth} });`, sandbox);
  // -db annotations (wxcs_style_…, wxcs_originclass…, wxcs_fileinfo…) are not CSS.
  return css.replace(/;?\s*wxcs_[a-z_-]+\s*:[^;}]*;?/g, ';').replace(/;(\s*;)+/g, ';');
}

module.exports = { compileAll, cssOf };
