// `baton status` with a typo in the plan: the workers still show, with the plan's problems beside them.
import { strict as assert } from 'node:assert';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledCli, git, makeRepo, planYaml, runCli, scriptAgent, spawnCli, waitFor } from './workspaceRepo';

describe('baton status with plan errors', function () {
  this.timeout(60_000);
  before(async () => {
    await bundledCli();
  });

  it('shows every worker, marks the task with the typo "needs fix", and lists the problem', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n  - {id: b, title: B}\n'));
    const run = await runCli(repo, ['run'], scriptAgent('echo x > "$BATON_TASK_ID.txt"; git add -A; git commit -qm work'));
    assert.equal(run.status, 0, run.stderr);
    // Someone mistypes a dependency while the work waits for review.
    writeFileSync(join(repo, 'baton.yaml'), planYaml('  - {id: a, title: A}\n  - {id: b, title: B}\n  - {id: c, title: C, deps: [ui-from]}\n'));

    const text = await runCli(repo, ['status']);
    assert.equal(text.status, 1, 'exit 1: the plan has errors (not 2: the command still did its job)');
    assert.match(text.stdout, /^a\s+review\s+Finished: 1 commit to review$/m);
    assert.match(text.stdout, /^b\s+review/m);
    assert.match(text.stdout, /^c\s+needs fix/m);
    assert.match(text.stderr, /baton\.yaml:\d+:\d+: error unknown-dependency: Task "c" depends on "ui-from"/);

    const json = await runCli(repo, ['status', '--json']);
    const rows = JSON.parse(json.stdout) as { task: string; state: string; needsFix?: boolean }[];
    assert.deepEqual(rows.map((r) => [r.task, r.state, r.needsFix ?? false]), [['a', 'review', false], ['b', 'review', false], ['c', 'needs_fix', true]]);
  });

  it('keeps a long state in its own column, and says "needs_fix" in --watch lines too', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const run = await runCli(repo, ['run'], scriptAgent('echo x > "$BATON_TASK_ID.txt"; git add -A; git commit -qm work'));
    assert.equal(run.status, 0, run.stderr);
    // The merge queue recorded gates that failed on the merged tree.
    appendFileSync(join(repo, '.baton/runs/a/events.jsonl'), JSON.stringify({ type: 'integration_failed', at: new Date().toISOString(), gates: [{ command: 'npm test', exit_code: 1 }], base: 'main' }) + '\n');
    writeFileSync(join(repo, 'baton.yaml'), planYaml('  - {id: a, title: A}\n  - {id: c, title: C, deps: [ui-from]}\n'));

    const text = await runCli(repo, ['status']);
    assert.match(text.stdout, /^a  integration_failed  gates failed on the merged tree: npm test$/m);
    assert.match(text.stdout, /^c  needs fix {11}$/m, 'the states line up: every state column is as wide as the longest');

    const watch = await spawnCli(repo, ['status', '--watch']);
    let out = '';
    watch.stdout!.on('data', (d) => (out += d));
    try {
      const line = await waitFor('the line of task c', () => out.split('\n').find((l) => l.includes('"task":"c"')));
      assert.equal(JSON.parse(line).state, 'needs_fix');
    } finally {
      watch.kill('SIGINT');
    }
  });
});

describe('baton validate and the plan\'s base branch', function () {
  this.timeout(30_000);

  it('warns at the base line when the branch does not exist here, naming the branch to write', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    git(repo, 'branch', '-m', 'main', 'master');
    const r = await runCli(repo, ['validate']);
    assert.equal(r.status, 0, 'a warning, not an error');
    assert.match(r.stderr, /^baton\.yaml:3:7: warning unknown-base: The branch "main" does not exist in this repository.* Its branches: master\. Write `base: master`\.$/m);
    const json = JSON.parse((await runCli(repo, ['validate', '--json'])).stdout);
    assert.deepEqual(json.warnings.map((w: { code: string; line: number }) => [w.code, w.line]), [['unknown-base', 3]]);
  });
});
