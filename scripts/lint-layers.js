#!/usr/bin/env node
// Keeps the layers apart (design.md): core and cli never import 'vscode', the webview never imports the
// extension, and no test is left focused with `.only(`, which would silently skip all the others.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const rules = [
  { dirs: ['src/core', 'src/cli'], bad: /(?:from\s+|require\(\s*|import\(\s*|import\s+)['"]vscode['"]/, why: "imports 'vscode'" },
  { dirs: ['webview-ui'], bad: /['"][^'"]*src\/extension[^'"]*['"]/, why: 'imports from src/extension' },
  { dirs: ['test', 'src', 'webview-ui'], only: /\.test\.[cm]?[jt]sx?$/, bad: /\.only\(/, why: 'has a focused test (.only)' },
];

function* files(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* files(full);
    } else if (/\.[cm]?[jt]sx?$/.test(entry.name)) yield full;
  }
}

const failures = [];
for (const rule of rules) {
  for (const dir of rule.dirs) {
    for (const file of files(path.join(root, dir))) {
      if (rule.only && !rule.only.test(file)) continue;
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (rule.bad.test(line)) failures.push(`${path.relative(root, file)}:${i + 1}: ${rule.why}`);
        });
    }
  }
}
for (const f of failures) console.error(f);
console.log(failures.length ? `lint-layers: ${failures.length} problem(s)` : 'lint-layers: ok');
process.exit(failures.length ? 1 : 0);
