// scripts/lint-json.js, part of `npm run lint`: a key written twice in package.json fails the lint and
// says where, where JSON.parse (and VS Code) would silently keep only the last one.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('lint-json', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'baton-lint-json-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const lint = (...files: string[]) => spawnSync(process.execPath, ['scripts/lint-json.js', ...files], { encoding: 'utf8' });

  it('fails on a second editor/title menu in package.json, naming both lines', () => {
    const manifest = readFileSync('package.json', 'utf8').replace('"menus": {', '"menus": {\n      "editor/title": [],');
    const file = join(dir, 'package.json');
    writeFileSync(file, manifest);
    const r = lint(file);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const line = manifest.split('\n').findIndex((l) => l.includes('"editor/title": []')) + 1;
    assert.match(r.stderr, new RegExp(`package\\.json:\\d+:7: duplicate key "editor/title" \\(first at line ${line}\\)`));
    assert.match(r.stdout, /lint-json: 1 problem/);
  });

  it('lets the same key stand in different objects, and passes the project as it is', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, '{"a": {"id": 1}, "b": {"id": 2}, "c": [{"id": 3}, {"id": 4}]}');
    assert.equal(lint(file).status, 0);
    const project = lint();
    assert.equal(project.status, 0, project.stderr);
    assert.match(project.stdout, /lint-json: ok/);
  });

  it('reports JSON that does not parse', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"a": 1,, "b": 2}');
    const r = lint(file);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.json:1:\d+: ValueExpected/);
  });
});
