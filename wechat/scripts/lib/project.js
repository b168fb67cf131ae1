// The mini-program's own files, as WeChat DevTools sees them: what is registered, what is packed.
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..', '..');

function readJson(relPath) {
  return JSON.parse(fs.readFileSync(path.join(ROOT, relPath), 'utf8'));
}

// project.config.json's packOptions.ignore: what DevTools leaves out of the uploaded package.
function packIgnores() {
  const { packOptions = {} } = readJson('project.config.json');
  return (packOptions.ignore || []).map((rule) => ({ type: rule.type, value: rule.value.replace(/^\.?\//, '') }));
}

function isIgnored(relPath, ignores) {
  return ignores.some((rule) => {
    if (rule.type === 'folder') return relPath === rule.value || relPath.startsWith(`${rule.value}/`);
    if (rule.type === 'file') return relPath === rule.value;
    if (rule.type === 'suffix') return relPath.endsWith(rule.value);
    if (rule.type === 'prefix') return path.basename(relPath).startsWith(rule.value);
    return false;
  });
}

// Every file that goes into the package (relative, forward slashes), hidden files and ignored folders left out.
function packagedFiles() {
  const ignores = packIgnores();
  const out = [];
  (function walk(dir) {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (isIgnored(rel, ignores)) continue;
      if (entry.isDirectory()) walk(rel);
      else out.push(rel);
    }
  })('');
  return out.sort();
}

function filesWithExtension(ext) {
  return packagedFiles().filter((file) => file.endsWith(ext));
}

module.exports = { ROOT, readJson, packIgnores, packagedFiles, filesWithExtension };
