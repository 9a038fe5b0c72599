// Approval and the merge queue through the `baton` command, with real worker processes (a shell-script
// agent; the real Claude Code CLI is in claudeWorkers.test.ts): `baton approve`, `baton queue`,
// `baton run --auto-approve` to the end of a plan, a conflict that stops the run, and a run killed mid-merge.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { DEFAULT_PERMISSIONS, findProfile } from '../../src/core/agents/profiles';
import { analyzePlan } from '../../src/core/graph/analysis';
import { parsePlan } from '../../src/core/plan/parse';
import { rebaseInstruction } from '../../src/core/run/approve';
import { prepareLaunch } from '../../src/core/run/launch';
import { BatonLayout } from '../../src/core/run/layout';
import { RunStore } from '../../src/core/run/runStore';
import { planStates } from '../../src/core/run/states';
import { bundledCli, git, makeRepo, planYaml, runCli, scriptAgent, spawnCli, waitFor } from './workspaceRepo';

const COMMIT = 'echo "$BATON_TASK_ID" > "$BATON_TASK_ID.txt"; git add -A; git commit -qm "work on $BATON_TASK_ID"';
/** Six tasks, two stages three and two wide, then one that joins everything. */
const SIX = planYaml(
  [
    '  - {id: a, title: A}',
    '  - {id: b, title: B}',
    '  - {id: c, title: C}',
    '  - {id: d, title: D, deps: [a, b]}',
    '  - {id: e, title: E, deps: [b, c]}',
    '  - {id: f, title: F, deps: [d, e]}',
    '',
  ].join('\n'),
  '  gates: ["test -f README.md"]\n',
);

/** Task ids in the order their merges landed on main (oldest first). */
function mergeOrder(repo: string): string[] {
  return git(repo, 'log', '--first-parent', '--reverse', '--format=%s', 'main')
    .split('\n')
    .map((s) => /^Merge baton task ([a-z0-9._-]+):/.exec(s)?.[1])
    .filter((x): x is string => !!x);
}

function noTaskLeftovers(repo: string) {
  assert.deepEqual(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')), [`worktree ${repo}`], 'only the main working tree is left');
  assert.equal(git(repo, 'branch', '--list', 'baton/*'), '', 'no baton/* branch is left');
}

describe('approve and the merge queue (baton command, real worker processes)', function () {
  this.timeout(90_000);
  before(async () => {
    await bundledCli();
  });

  it('baton run --auto-approve runs a six-task plan to its end: every task merged in dependency order, nothing left behind', async () => {
    const repo = makeRepo(SIX);
    const r = await runCli(repo, ['run', '--auto-approve'], scriptAgent(COMMIT));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Approved and merged: a, b, c, d, e, f/);
    const order = mergeOrder(repo);
    assert.deepEqual([...order].sort(), ['a', 'b', 'c', 'd', 'e', 'f']);
    const at = (id: string) => order.indexOf(id);
    for (const [task, deps] of Object.entries({ d: ['a', 'b'], e: ['b', 'c'], f: ['d', 'e'] })) {
      for (const dep of deps) assert.ok(at(dep) < at(task), `${dep} merged before ${task}: ${order.join(' ')}`);
    }
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) assert.equal(git(repo, 'show', `main:${id}.txt`), id);
    // f started from a base that held everything it waited for.
    const fMerge = git(repo, 'log', '--first-parent', '--format=%H %s', 'main').split('\n').find((l) => l.includes('task f:'))!.split(' ')[0];
    for (const id of ['a', 'b', 'c', 'd', 'e']) assert.equal(git(repo, 'show', `${fMerge}^2:${id}.txt`), id);
    assert.equal(git(repo, 'status', '--porcelain'), '', 'the checked-out main moved along with every merge');
    noTaskLeftovers(repo);
    const status = JSON.parse((await runCli(repo, ['status', '--json'])).stdout);
    assert.deepEqual(status.map((s: { state: string }) => s.state), ['approved', 'approved', 'approved', 'approved', 'approved', 'approved']);
    // Every task approved: the run is archived, as the extension does it, and stays approved.
    const archived = /the run is archived in (\.baton\/archive\/[^/\s]+)\//.exec(r.stderr);
    assert.ok(archived, `baton run says where the run went:\n${r.stderr}`);
    const events = readFileSync(join(repo, archived[1], 'runs/d/events.jsonl'), 'utf8');
    assert.match(events, /"type":"queued"/);
    assert.ok(existsSync(join(repo, archived[1], 'report.md')), 'the Run Report is archived with it');
    // Gates auto-approval ran are kept where every gate run's output goes: the task's gates folder.
    assert.ok(existsSync(join(repo, archived[1], 'runs/d/gates/gate-1.log')), 'the gate log is in runs/d/gates/');
    assert.ok(!existsSync(join(repo, archived[1], 'runs/d/gate-1.log')), 'not loose in the run folder');
    const past = JSON.parse((await runCli(repo, ['status', '--past', '--json'])).stdout);
    assert.deepEqual(past.map((p: { tasks: number; approved: number }) => [p.tasks, p.approved]), [[6, 6]]);
    const again = await runCli(repo, ['run']);
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /archived in/, 'a run archived once is not archived again');
    assert.equal(JSON.parse((await runCli(repo, ['status', '--past', '--json'])).stdout).length, 1);
    assert.match(events, /"type":"merged","at":"[^"]+","sha":"[0-9a-f]{40}"/);
  });

  it('a conflict stops the run with the files named, and leaves the base as it was', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n  - {id: b, title: B}\n  - {id: c, title: C, deps: [a, b]}\n'));
    const r = await runCli(repo, ['run', '--auto-approve'], scriptAgent('echo "$BATON_TASK_ID" > shared.txt; git add -A; git commit -qm "shared by $BATON_TASK_ID"'));
    assert.equal(r.status, 1, r.stderr);
    // Both started from the same base; whichever merged first wins, the other conflicts.
    const [first] = mergeOrder(repo);
    const second = first === 'a' ? 'b' : 'a';
    assert.deepEqual(mergeOrder(repo), [first]);
    assert.match(r.stderr, new RegExp(`Stopped: ${second} conflicts with the base in shared\\.txt; nothing was changed`));
    assert.equal(git(repo, 'status', '--porcelain'), '');
    assert.equal(git(repo, 'show', 'main:shared.txt'), first);
    const status = JSON.parse((await runCli(repo, ['status', '--json'])).stdout);
    const states = Object.fromEntries(status.map((s: { task: string; state: string }) => [s.task, s.state]));
    assert.deepEqual(states, { [first]: 'approved', [second]: 'conflict', c: 'blocked' });
    assert.match(status.find((s: { task: string }) => s.task === second).reason, /shared\.txt/);
  });

  it('"Ask the worker to rebase" reaches a worker that has exited: one is started on the same worktree with the instruction, and its rebase merges', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n  - {id: b, title: B}\n'));
    // The agent: on a rebase instruction (prompt on stdin) it rebases and settles the conflict; else it writes shared.txt.
    const agent = {
      command: 'sh',
      headlessArgs: [
        '-c',
        'if grep -q "git rebase main"; then git rebase main >/dev/null 2>&1 || { echo "a and b" > shared.txt; git add shared.txt; GIT_EDITOR=true git rebase --continue >/dev/null; }; ' +
          'else echo "$BATON_TASK_ID" > shared.txt; git add -A; git commit -qm "shared by $BATON_TASK_ID"; fi',
      ],
    };
    const env = { BATON_AGENTS: JSON.stringify({ script: agent }) };
    const r = await runCli(repo, ['run', '--auto-approve'], env);
    assert.equal(r.status, 1, r.stderr);
    const [first] = mergeOrder(repo);
    const second = first === 'a' ? 'b' : 'a';
    const commitsBefore = git(repo, 'rev-list', '--count', `baton/${second}`);

    // What the extension does when the worker has exited: start one on the same worktree, told to rebase.
    const layout = new BatonLayout(repo);
    const plan = parsePlan(readFileSync(join(repo, 'baton.yaml'), 'utf8'), join(repo, 'baton.yaml')).plan;
    const store = new RunStore(layout, () => 30);
    const views = new Map([...store.readAll()].map(([id, rec]) => [id, rec.view]));
    const states = planStates(plan, new Set([first]), views);
    assert.equal(states.get(second), 'conflict');
    const launch = await prepareLaunch({
      layout,
      plan,
      analysis: analyzePlan(plan),
      taskId: second,
      states,
      profile: findProfile('script', { script: agent }),
      permissions: DEFAULT_PERMISSIONS,
      headless: true,
      batonCommand: [process.execPath, await bundledCli()],
      addendum: rebaseInstruction('main', second, ['shared.txt']),
    });
    assert.equal(launch.createdWorktree, false, 'the same worktree, with its commits');
    const child = spawn(launch.command, launch.args, { cwd: launch.cwd, env: { ...process.env, ...launch.env }, stdio: 'ignore' });
    assert.equal(await new Promise((done) => child.once('exit', done)), 0);
    assert.match(readFileSync(layout.prompt(second), 'utf8'), /conflicting files: shared\.txt\)\. Rebase your branch onto main \(git rebase main\)/);
    assert.ok(Number(git(repo, 'rev-list', '--count', `baton/${second}`)) > Number(commitsBefore), 'the branch now sits on the moved base');
    assert.equal(store.read(second)!.view.state, 'review');

    const approved = await runCli(repo, ['approve', second]);
    assert.equal(approved.status, 0, approved.stdout + approved.stderr);
    assert.equal(git(repo, 'show', 'main:shared.txt'), 'a and b');
  });

  it('baton approve refuses failing gates unless --force (recorded); baton queue lists what waits', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n', '  gates: ["test -f missing.txt"]\n'));
    assert.equal((await runCli(repo, ['run'], scriptAgent(COMMIT))).status, 0);
    const refused = await runCli(repo, ['approve', 'a']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /gates that have not passed \(they have not been run\): test -f missing\.txt.*baton approve a --force/s);
    assert.equal(JSON.parse((await runCli(repo, ['queue', '--json'])).stdout).entries.length, 0);
    const forced = await runCli(repo, ['approve', 'a', '--force']);
    // The gates run on the merged tree too: "approve anyway" skips the check on the branch, not the base's.
    assert.equal(forced.status, 1, forced.stdout + forced.stderr);
    assert.match(forced.stdout, /a failed its gates on the merged tree \(test -f missing\.txt: exit 1/);
    assert.match(readFileSync(join(repo, '.baton/runs/a/events.jsonl'), 'utf8'), /"type":"queued".*"forced":true/);
    assert.deepEqual(mergeOrder(repo), []);
  });

  it('baton run killed (SIGKILL) in the middle of a merge: the base is untouched, and the next run merges it', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n', '  gates: ["sleep 2"]\n'));
    const before = git(repo, 'rev-parse', 'main');
    const run = await spawnCli(repo, ['run', '--auto-approve'], scriptAgent(COMMIT));
    // The gates on the merged tree are running: the merge exists only in the scratch tree.
    await waitFor('the merged tree is being tested', () => existsSync(join(repo, '.baton/runs/a/integration/gate-1.log')), 60_000);
    run.kill('SIGKILL');
    await new Promise((r) => run.once('exit', r));
    assert.equal(git(repo, 'rev-parse', 'main'), before, 'the base never moved');
    assert.equal(git(repo, 'status', '--porcelain'), '');
    const again = await runCli(repo, ['run', '--auto-approve'], scriptAgent(COMMIT));
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(mergeOrder(repo), ['a']);
    assert.equal(git(repo, 'show', 'main:a.txt'), 'a');
    noTaskLeftovers(repo);
  });
});
