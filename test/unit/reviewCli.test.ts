import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWorktree } from '../../src/core/git/worktrees';
import { writeHeartbeat } from '../../src/core/run/heartbeat';
import { BatonLayout } from '../../src/core/run/layout';
import { git, makeRepo, planYaml, runCli } from './workspaceRepo';

describe('baton review, gates, discard', function () {
  this.timeout(60_000);
  let repo: string;
  let layout: BatonLayout;
  let wt: string;

  /** A task whose worker finished: a commit on its branch, one uncommitted file, and a `done` heartbeat. */
  beforeEach(async () => {
    repo = makeRepo(
      planYaml(
        '  - id: form\n    title: Contact form\n    files: ["src/form/**"]\n    gates: ["test -f src/form/form.ts", "grep -q TODO src/form/form.ts && exit 4 || true"]\n' +
          '  - id: page\n    title: Page\n    deps: [form]\n',
      ),
    );
    layout = new BatonLayout(repo);
    wt = layout.worktree('form');
    layout.ensureRunDir('form');
    await ensureWorktree(repo, 'form', 'main', wt);
    mkdirSync(join(wt, 'src/form'), { recursive: true });
    writeFileSync(join(wt, 'src/form/form.ts'), 'export const form = 1;\n');
    git(wt, 'add', '.');
    git(wt, 'commit', '-q', '-m', 'Add the form');
    writeFileSync(join(wt, 'README.md'), '# demo\nchanged\n');
    const now = new Date().toISOString();
    writeHeartbeat(layout.heartbeat('form'), { task_id: 'form', status: 'done', updated_at: now, started_at: now, exit_code: 0 });
  });

  it('report done stores the worker summary; review shows it with commits, files, flags and uncommitted changes', async () => {
    const env = { BATON_TASK_ID: 'form', BATON_ROOT: repo };
    const bad = await runCli(wt, ['report', 'done'], env);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /needs your summary/);
    writeFileSync(join(wt, 'summary.md'), 'Built the form.\nValidation is client-side only.');
    const ok = await runCli(wt, ['report', 'done', '--file', 'summary.md', '--not-done', 'No server check'], env);
    assert.equal(ok.status, 0, ok.stderr);
    rmSync(join(wt, 'summary.md'));

    const text = await runCli(repo, ['review', 'form']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /form: Contact form — review/);
    assert.match(text.stdout, /Built the form\.\n  Validation is client-side only\./);
    assert.match(text.stdout, /Not done:\n  No server check/);
    assert.match(text.stdout, /README\.md  \[uncommitted, OUTSIDE DECLARED FILES\]/);
    assert.match(text.stdout, /\+1 +-0 +src\/form\/form\.ts\n/);
    assert.match(text.stdout, /Add the form/);
    assert.match(text.stdout, /Gates: not run/);

    const json = JSON.parse((await runCli(repo, ['review', 'form', '--json'])).stdout);
    assert.deepEqual(json.files.map((f: { path: string }) => f.path), ['README.md', 'src/form/form.ts']);
    assert.deepEqual(json.flagged, ['README.md']);
    assert.deepEqual(json.uncommitted, ['README.md']);
    assert.equal(json.result.summary, 'Built the form.\nValidation is client-side only.');
    assert.ok(json.history.some((h: { text: string }) => h.text === 'worker handed over its summary'));

    const missing = await runCli(repo, ['review', 'nope']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no task "nope"/);
  });

  it('report done --file reads only a file in the worker\'s worktree: not /etc/hostname, not the main checkout, not through a link', async () => {
    const env = { BATON_TASK_ID: 'form', BATON_ROOT: repo };
    writeFileSync(join(repo, 'secret.txt'), 'the person\'s secret\n');
    symlinkSync(join(repo, 'secret.txt'), join(wt, 'notes.md'));
    const outside = existsSync('/etc/hostname') ? ['/etc/hostname', join(repo, 'secret.txt'), 'notes.md'] : [join(repo, 'secret.txt'), 'notes.md'];
    for (const file of outside) {
      const r = await runCli(wt, ['report', 'done', '--file', file], env);
      assert.equal(r.status, 2, `${file}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /is not in your worktree/);
    }
    assert.ok(!existsSync(layout.result('form')), 'nothing was recorded');
    const review = await runCli(repo, ['review', 'form', '--json']);
    assert.doesNotMatch(review.stdout, /secret/);
  });

  it('gates: run in the worktree, output shown and kept, a failure exits 1 and is recorded', async () => {
    const pass = await runCli(repo, ['gates', 'form']);
    assert.equal(pass.status, 0, pass.stdout + pass.stderr);
    assert.match(pass.stdout, /▶ test -f src\/form\/form\.ts/);
    assert.match(pass.stdout, /✓ test -f src\/form\/form\.ts · \d+\.\ds/);
    assert.match(pass.stdout, /Gates passed for form/);
    writeFileSync(join(wt, 'src/form/form.ts'), '// TODO\n');
    const fail = await runCli(repo, ['gates', 'form']);
    assert.equal(fail.status, 1);
    assert.match(fail.stdout, /✗ grep -q TODO .* \(exit 4\)/);
    const result = JSON.parse(readFileSync(layout.result('form'), 'utf8'));
    assert.deepEqual(result.gates.map((g: { exit_code: number }) => g.exit_code), [0, 4]);
    assert.equal(result.gates_commit, git(wt, 'rev-parse', 'HEAD'));
    assert.ok(existsSync(join(layout.gatesDir('form'), 'gate-2.log')));
    const review = await runCli(repo, ['review', 'form']);
    assert.match(review.stdout, /Gates: failed: grep -q TODO/);
    assert.match(review.stdout, /gates passed \(2 gates\)[\s\S]*gates failed: grep -q TODO/);
  });

  it('discard: says what is lost, does nothing without confirmation, then removes worktree and branch', async () => {
    const refused = await runCli(repo, ['discard', 'form']);
    assert.equal(refused.status, 2);
    assert.match(refused.stdout, /losing 1 commit not on the base \([0-9a-f]{7} Add the form\) and 1 uncommitted file \(README\.md\)/);
    assert.match(refused.stderr, /nothing discarded.*--yes/);
    assert.ok(existsSync(wt));
    const done = await runCli(repo, ['discard', 'form', '--yes']);
    assert.equal(done.status, 0, done.stderr);
    assert.equal(existsSync(wt), false);
    assert.equal(git(repo, 'branch', '--list', 'baton/form'), '');
    const status = JSON.parse((await runCli(repo, ['status', '--json'])).stdout);
    assert.equal(status.find((r: { task: string }) => r.task === 'form').state, 'cancelled');
    const history = JSON.parse(readFileSync(layout.events('form'), 'utf8').trim().split('\n').at(-1)!);
    assert.equal(history.type, 'discarded');
    assert.deepEqual(history.uncommitted, ['README.md']);
    const again = await runCli(repo, ['discard', 'form', '--yes']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no worktree or branch/);
  });

  it('gates run only the gate: plan text around it (titles, descriptions, ids) is never executed', async () => {
    const hostile = makeRepo(
      planYaml(
        '  - id: evil\n    title: "$(touch title-ran) `touch title-ran2`"\n    description: "; touch description-ran"\n    gates: ["echo gate-ran > gate.txt"]\n',
      ),
    );
    const hostileLayout = new BatonLayout(hostile);
    hostileLayout.ensureRunDir('evil');
    await ensureWorktree(hostile, 'evil', 'main', hostileLayout.worktree('evil'));
    const r = await runCli(hostile, ['gates', 'evil']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const wtEvil = hostileLayout.worktree('evil');
    assert.equal(readFileSync(join(wtEvil, 'gate.txt'), 'utf8'), 'gate-ran\n');
    for (const dir of [hostile, wtEvil]) for (const f of ['title-ran', 'title-ran2', 'description-ran']) assert.equal(existsSync(join(dir, f)), false, `${f} in ${dir}`);
  });
});
