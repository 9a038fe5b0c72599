// `npm run lint` keeps the layers apart with dependency-cruiser and the rules in .dependency-cruiser.cjs.
// Each test copies a small tree laid out as Baton's (fixtures/layering), adds one import the layering
// forbids, and checks that the rules fail on it and name it; the project as it is passes.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const CRUISER = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const FIXTURE = join(__dirname, 'fixtures', 'layering');

interface Violation {
  type: string;
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

/** dependency-cruiser run in `cwd` with the project's rules and `args`, as the process ends and as it reports. */
function depcruise(cwd: string, args: string[]) {
  return spawnSync(process.execPath, [CRUISER, '--config', CONFIG, ...args], { cwd, encoding: 'utf8' });
}

/**
 * The violations dependency-cruiser finds in `cwd`, each as `rule: from -> to`, and how many are errors: the
 * exit status its usual report ends with, so non-zero fails `npm run lint`.
 */
function cruise(cwd: string, args: string[]): { errors: number; violations: string[] } {
  const r = depcruise(cwd, ['--output-type', 'json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  const { summary } = JSON.parse(r.stdout) as { summary: { error: number; violations: Violation[] } };
  const violations = summary.violations.filter((v) => v.rule.severity !== 'ignore').map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
  return { errors: summary.error, violations: violations.sort() };
}

describe('layering lint (dependency-cruiser)', () => {
  let tree: string;
  beforeEach(() => {
    tree = mkdtempSync(join(tmpdir(), 'baton-layering-'));
    cpSync(FIXTURE, tree, { recursive: true });
  });
  afterEach(() => rmSync(tree, { recursive: true, force: true }));
  const add = (file: string, text: string) => {
    mkdirSync(dirname(join(tree, file)), { recursive: true });
    writeFileSync(join(tree, file), text);
  };
  const lint = () => cruise(tree, ['src', 'webview-ui']);

  it('passes the fixture tree as it is', () => {
    const r = lint();
    assert.equal(r.errors, 0);
    assert.deepEqual(r.violations, []);
  });

  it("fails on a 'vscode' import in core, in the CLI and in the webview, naming each file", () => {
    add('src/core/run/notify.ts', "import * as vscode from 'vscode';\nexport const notify = (m: string) => vscode.window.showInformationMessage(m);\n");
    add('src/cli/notify.ts', "export const notify = () => require('vscode');\n");
    add('webview-ui/notify.ts', "export const notify = () => import('vscode');\n");
    const r = lint();
    assert.notEqual(r.errors, 0);
    assert.deepEqual(r.violations, [
      'no-vscode-below-extension: src/cli/notify.ts -> vscode',
      'no-vscode-below-extension: src/core/run/notify.ts -> vscode',
      'no-vscode-below-extension: webview-ui/notify.ts -> vscode',
    ]);
  });

  it('fails on a new cycle between two files', () => {
    add('src/core/run/a.ts', "import { b } from './b';\nexport const a = () => b();\n");
    add('src/core/run/b.ts', "import { a } from './a';\nexport const b = (): number => (a ? 1 : 0);\n");
    const r = lint();
    assert.notEqual(r.errors, 0);
    assert.deepEqual(r.violations, ['no-circular: src/core/run/a.ts -> src/core/run/b.ts']);
  });

  it('fails on a new cycle between folders, also one through core/run (whose known cycles are excepted)', () => {
    // No file imports itself back; core/plan and core/run import each other.
    add('src/core/plan/order.ts', "import { stateOf } from '../run/states';\nexport const order = (id: string) => stateOf({ id });\n");
    const r = lint();
    assert.notEqual(r.errors, 0);
    assert.deepEqual(r.violations, ['no-circular-folders: src/core/plan -> src/core/run']);
  });

  it('fails on an upward import: core into an edge, and the two edges into each other', () => {
    add('src/core/run/show.ts', "import { showState } from '../../extension/extension';\nexport const show = () => showState('a');\n");
    add('src/core/run/protocol.ts', "import type { ToWebview } from '../../graphProtocol';\nexport const id = (m: ToWebview) => m.id;\n");
    add('src/cli/show.ts', "import { showState } from '../extension/extension';\nexport const show = () => showState('a');\n");
    add('src/extension/print.ts', "import { printState } from '../cli/main';\nexport const print = () => printState('a');\n");
    const r = lint();
    assert.notEqual(r.errors, 0);
    // Each of these also closes a circle between folders, reported as well; the layering rules name the import.
    assert.deepEqual(r.violations.filter((v) => !v.startsWith('no-circular')), [
      'cli-imports-no-extension: src/cli/show.ts -> src/extension/extension.ts',
      'core-imports-no-edge: src/core/run/protocol.ts -> src/graphProtocol.ts',
      'core-imports-no-edge: src/core/run/show.ts -> src/extension/extension.ts',
      'extension-imports-no-cli: src/extension/print.ts -> src/cli/main.ts',
    ]);
  });

  it('fails when the webview reaches into src/ past the protocol module', () => {
    add('webview-ui/states.ts', "import { stateOf } from '../src/core/run/states';\nexport const state = (id: string) => stateOf({ id });\n");
    const r = lint();
    assert.notEqual(r.errors, 0);
    assert.deepEqual(r.violations, ['webview-only-through-protocol: webview-ui/states.ts -> src/core/run/states.ts']);
  });
});

describe('layering lint on the project', () => {
  it('passes as `npm run lint` runs it, and the known violations it skips are all still there', function () {
    this.timeout(120_000); // two cruises of the whole source, on a busy machine
    // The arguments `npm run lint` gives dependency-cruiser, read from package.json so this runs the same check.
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.lint;
    const command = script.split('&&').map((c) => c.trim().split(/\s+/)).find((c) => c[0] === 'depcruise');
    assert.ok(command, `npm run lint runs no depcruise: ${script}`);
    const lint = depcruise(ROOT, command.slice(1));
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
    assert.match(lint.stdout, /no dependency violations found/);
    // Without the baseline, exactly its entries come back: one that is fixed must leave the list too.
    const known = (JSON.parse(readFileSync(join(ROOT, '.dependency-cruiser-known-violations.json'), 'utf8')) as Violation[])
      .map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)
      .sort();
    assert.ok(known.length > 0);
    assert.deepEqual(cruise(ROOT, ['src', 'webview-ui']).violations, known);
  });
});
