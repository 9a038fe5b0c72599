import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { main } from '../../src/cli/main';

const fixtures = join(__dirname, 'fixtures');

function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function tempPlan(text: string, name = 'baton.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-cli-'));
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

describe('baton command', () => {
  it('validate: exit 0 and a summary for a valid plan', () => {
    const r = run(['validate', join(fixtures, 'seed.yaml')]);
    assert.equal(r.code, 0);
    assert.match(r.out, /seed\.yaml: valid, 4 tasks/);
  });

  it('validate: exit 1 with file:line:col: error CODE: message', () => {
    const file = tempPlan('version: 1\ntasks:\n  - id: a\n    title: A\n    deps: [b]\n');
    const r = run(['validate', file]);
    assert.equal(r.code, 1);
    assert.equal(
      r.err.split('\n')[0],
      `${file}:5:12: error unknown-dependency: Task "a" depends on "b", which is not a task in this plan. Check the spelling, or add a task with that id.`,
    );
    const j = run(['validate', file, '--json']);
    assert.equal(j.code, 1);
    const parsed = JSON.parse(j.out);
    assert.equal(parsed.valid, false);
    assert.deepEqual(parsed.errors[0], { code: 'unknown-dependency', message: parsed.errors[0].message, file, line: 5, column: 12 });
  });

  it('analyze --json: the documented shape', () => {
    const r = run(['analyze', join(fixtures, 'seed.md'), '--json']);
    assert.equal(r.code, 0);
    const a = JSON.parse(r.out);
    assert.equal(a.tasks, 4);
    assert.deepEqual(a.order, ['phase-1', 'phase-2a', 'phase-2b', 'phase-3']);
    assert.deepEqual(a.stages, [['phase-1'], ['phase-2a', 'phase-2b'], ['phase-3']]);
    assert.deepEqual(a.criticalPath, { tasks: ['phase-1', 'phase-2b', 'phase-3'], hours: 7.5 });
    assert.equal(a.maxParallelism, 2);
    assert.deepEqual(a.conflicts, []);
    assert.deepEqual(a.errors, []);
    // The Markdown plan's commands in checklists become gates, which a worker may run unasked: said as warnings.
    assert.deepEqual([...new Set(a.warnings.map((w: { code: string }) => w.code))], ['gate-allowed']);
  });

  it('analyze --json: still prints the JSON, with errors, and exits 1 on a cycle', () => {
    const file = tempPlan('version: 1\ntasks:\n  - {id: a, title: A, deps: [b]}\n  - {id: b, title: B, deps: [a]}\n');
    const r = run(['analyze', file, '--json']);
    assert.equal(r.code, 1);
    const a = JSON.parse(r.out);
    assert.equal(a.errors[0].code, 'cycle');
    assert.match(a.errors[0].message, /a -> b -> a/);
    assert.equal(a.errors[0].line, 3);
  });

  it('analyze: a readable report', () => {
    const r = run(['analyze', join(fixtures, 'seed.yaml')]);
    assert.equal(r.code, 0);
    assert.match(r.out, /Stage 2 \(2\): phase-2a, phase-2b/);
    assert.match(r.out, /Critical path \(7\.5h\): phase-1 -> phase-2b -> phase-3/);
  });

  it('simulate --workers K --json', () => {
    const r = run(['simulate', join(fixtures, 'seed.yaml'), '--workers', '2', '--json']);
    assert.equal(r.code, 0);
    const s = JSON.parse(r.out);
    assert.deepEqual(Object.keys(s), ['workers', 'makespanHours', 'makespanWithoutConflictLocksHours', 'heldByConflicts', 'lowerBoundHours', 'stageBarrierHours', 'schedule']);
    assert.equal(s.workers, 2);
    assert.equal(s.makespanHours, 7.5);
    assert.deepEqual(Object.keys(s.schedule[0]), ['task', 'worker', 'start', 'end']);
  });

  describe('file conflicts', () => {
    const plan = () =>
      tempPlan(
        'version: 1\ntasks:\n' +
          ['a', 'b', 'c'].map((id) => `  - id: ${id}\n    title: ${id}\n    files: [src/shared/db.ts]\n    estimate: 2h\n`).join('') +
          '  - id: wide\n    title: wide\n    deps: [a, b, c]\n    files: ["src/**"]\n',
      );

    it('analyze prints one line per contested path with the dependencies that fix it', () => {
      const r = run(['analyze', plan()]);
      assert.equal(r.code, 0);
      assert.match(r.out, /File conflicts: 1 contested path \(3 pairs of tasks may run at once\)/);
      assert.match(r.out, /^ {2}src\/shared\/db\.ts: touched by 3 tasks that may run at the same time: a, b, c$/m);
      assert.match(r.out, /^ {4}fix: add 2 dependencies: b after a, c after b$/m);
      assert.doesNotMatch(r.out, /<>/, 'no pair list unless asked');
    });

    it('analyze --json: groups; --conflict-pairs adds the pair list', () => {
      const j = JSON.parse(run(['analyze', plan(), '--json']).out);
      assert.deepEqual(j.conflicts, [
        {
          path: 'src/shared/db.ts',
          patterns: ['src/shared/db.ts'],
          tasks: ['a', 'b', 'c'],
          listing: ['a', 'b', 'c'],
          pairs: 3,
          suggestion: { order: ['a', 'b', 'c'], deps: [{ task: 'b', dependsOn: 'a' }, { task: 'c', dependsOn: 'b' }] },
        },
      ]);
      assert.equal(j.conflictPairs, undefined);
      const withPairs = JSON.parse(run(['analyze', plan(), '--json', '--conflict-pairs']).out);
      assert.deepEqual(withPairs.conflictPairs.map((c: { tasks: string[] }) => c.tasks.join('<>')), ['a<>b', 'a<>c', 'b<>c']);
      assert.match(run(['analyze', plan(), '--conflict-pairs']).out, /Conflicting pairs: 3\n {2}a <> b on src\/shared\/db\.ts: make "b" depend on "a"/);
    });

    it('simulate shows what the conflict locks cost', () => {
      const r = run(['simulate', plan(), '--workers', '3']);
      assert.match(r.out, /3 workers: done in 6h/);
      assert.match(r.out, /Conflict locks: 2 tasks wait for a task that may touch the same files; without the locks \(conflicts: allow\) 2h/);
    });
  });

  it('usage errors exit 2 and say what to do', () => {
    assert.deepEqual(
      [run(['simulate', join(fixtures, 'seed.yaml')]).code, run(['frobnicate']).code, run(['validate', '/no/such/plan.yaml']).code, run(['analyze', '--bogus']).code],
      [2, 2, 2, 2],
    );
    assert.match(run(['simulate', join(fixtures, 'seed.yaml'), '--workers', 'two']).err, /--workers K, a whole number/);
    assert.match(run(['validate', '/no/such/plan.yaml']).err, /cannot read plan \/no\/such\/plan\.yaml: no such file/);
    assert.match(run(['frobnicate']).err, /unknown command "frobnicate"/);
  });

  describe('as a real process (the bundled dist/cli.js)', () => {
    let cli: string;
    before(async function () {
      this.timeout(60000);
      const dir = mkdtempSync(join(tmpdir(), 'baton-bundle-'));
      cli = join(dir, 'cli.js');
      await build({ entryPoints: ['src/cli/main.ts'], bundle: true, platform: 'node', target: 'node20', outfile: cli, logLevel: 'error' });
    });

    it('defaults to baton.yaml in the current folder and sets the exit status', () => {
      const dir = mkdtempSync(join(tmpdir(), 'baton-cwd-'));
      copyFileSync(join(fixtures, 'seed.yaml'), join(dir, 'baton.yaml'));
      const ok = execFileSync(process.execPath, [cli, 'validate'], { cwd: dir, encoding: 'utf8' });
      assert.match(ok, /baton\.yaml: valid, 4 tasks/);
      writeFileSync(join(dir, 'baton.yaml'), 'version: 1\ntasks:\n  - {id: "a b", title: A}\n');
      const bad = spawnSync(process.execPath, [cli, 'validate'], { cwd: dir, encoding: 'utf8' });
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /^baton\.yaml:3:5: error invalid-id: Task id "a b" is not allowed/);
    });

    it('a plan full of shell metacharacters runs nothing', () => {
      const dir = mkdtempSync(join(tmpdir(), 'baton-hostile-'));
      const marker = join(dir, 'pwned');
      const text = `version: 1\nname: "$(touch ${marker})"\ntasks:\n  - id: "x;touch ${marker}"\n    title: "\`touch ${marker}\`"\n    files: ["$(touch ${marker})"]\n`;
      writeFileSync(join(dir, 'baton.yaml'), text);
      for (const cmd of ['validate', 'analyze']) spawnSync(process.execPath, [cli, cmd], { cwd: dir });
      assert.equal(spawnSync('test', ['-e', marker]).status, 1, 'no file was created');
    });
  });
});
