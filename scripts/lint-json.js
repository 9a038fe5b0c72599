#!/usr/bin/env node
// Fails on a key written twice in one object of the project's JSON files. JSON.parse (and so VS Code
// reading package.json) silently keeps the last one: a second `editor/title` under `menus` once dropped
// every entry of the first. jsonc-parser (the parser VS Code itself uses) reports each key with its
// position; comments are allowed because tsconfig.json may hold them.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { visit, printParseErrorCode } = require('jsonc-parser');

const root = path.join(__dirname, '..');

/** Problems in one JSON text, each as `line:column: message` (1-based). */
function problemsIn(text) {
  const problems = [];
  const objects = []; // the keys seen so far in each object that is open, innermost last
  visit(
    text,
    {
      onObjectBegin: () => objects.push(new Map()),
      onObjectEnd: () => objects.pop(),
      onObjectProperty: (key, _offset, _length, line, column) => {
        const seen = objects.at(-1);
        const first = seen.get(key);
        if (first) problems.push(`${line + 1}:${column + 1}: duplicate key "${key}" (first at line ${first}); JSON keeps only the last one`);
        else seen.set(key, line + 1);
      },
      onError: (code, _offset, _length, line, column) => problems.push(`${line + 1}:${column + 1}: ${printParseErrorCode(code)}`),
    },
    { allowTrailingComma: false, disallowComments: false },
  );
  return problems;
}

/** The files named on the command line, else the JSON files git tracks (or would add): never build output or node_modules. */
function jsonFiles() {
  if (process.argv.length > 2) return process.argv.slice(2).map((f) => path.resolve(f));
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '*.json'], { cwd: root, encoding: 'utf8' });
  return out
    .split('\0')
    .filter(Boolean)
    .map((f) => path.join(root, f))
    .filter((f) => fs.existsSync(f));
}

const failures = [];
for (const file of jsonFiles()) {
  for (const p of problemsIn(fs.readFileSync(file, 'utf8'))) failures.push(`${path.relative(root, file)}:${p}`);
}
for (const f of failures) console.error(f);
console.log(failures.length ? `lint-json: ${failures.length} problem(s)` : 'lint-json: ok');
process.exit(failures.length ? 1 : 0);
