// Baton's headless workers with the REAL Claude Code CLI (from npm), talking to a scripted Messages API
// on 127.0.0.1: worktrees, the built-in `claude` profile, hook settings, `baton hook`, and the states that
// `baton status --watch` prints.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useClaudeWorkerEnv } from '../support/claudeWorkerEnv';
import { CLAUDE_TEAM_PLAN } from '../support/plans';
import { turn } from '../support/scriptedModel';
import { bundledCli, git, makeRepo, runCli, spawnCli, waitFor } from './workspaceRepo';

const PLAN = CLAUDE_TEAM_PLAN;

/** A worker's script: write a file in its worktree, commit it with git (allowed by Baton's default rules), say done. */
function writeAndCommit(worktree: string, file: string, content: string) {
  return [
    turn.write(join(worktree, file), content),
    turn.bash(`git add ${file} && git commit -m "Add ${file}"`, 'Commit the work'),
    turn.text(`Wrote and committed ${file}.`),
  ];
}

describe('workers with the real Claude Code CLI', function () {
  this.timeout(180_000);
  const workers = useClaudeWorkerEnv();
  before(async () => {
    await bundledCli();
  });

  it('runs two independent tasks, each editing and committing in its own worktree; status --watch shows starting, in progress, review', async () => {
    const { model, env } = workers;
    const repo = makeRepo(PLAN);
    const wt = (id: string) => join(repo, '.baton/worktrees', id);
    model.script('# Task alpha:', writeAndCommit(wt('alpha'), 'alpha.txt', 'alpha\n'));
    model.script('# Task beta:', writeAndCommit(wt('beta'), 'beta.txt', 'beta\n'));

    const watch = await spawnCli(repo, ['status', '--watch'], env);
    let watched = '';
    watch.stdout!.on('data', (d) => (watched += d));
    await waitFor('watch started', () => watched.includes('"task":"gamma"'));

    const run = await runCli(repo, ['run'], env);
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(run.stderr, /Ready for review: alpha, beta/);
    assert.match(run.stderr, /Waiting for approvals: gamma/);

    for (const [id, file] of [['alpha', 'alpha.txt'], ['beta', 'beta.txt']]) {
      assert.equal(git(wt(id), 'log', '-1', '--format=%s'), `Add ${file}`, `${id} committed on its branch`);
      assert.equal(git(wt(id), 'rev-parse', '--abbrev-ref', 'HEAD'), `baton/${id}`);
      const events = readFileSync(join(repo, '.baton/runs', id, 'events.jsonl'), 'utf8');
      for (const hook of ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop', 'SessionEnd']) {
        assert.match(events, new RegExp(`"type":"hook:${hook}"`), `${id}: ${hook} hook arrived`);
      }
      assert.match(events, /"activity":"Bash git add .* && git commit -m/, 'activity names the tool and its command');
      const prompt = readFileSync(join(repo, '.baton/runs', id, 'prompt.md'), 'utf8');
      assert.match(prompt, new RegExp(`# Task ${id}: `));
    }
    assert.equal(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main', 'the main checkout was not touched');

    await waitFor('review seen by the watcher', () => (watched.match(/"state":"review"/g) ?? []).length >= 2);
    watch.kill('SIGINT');
    const states = (id: string) =>
      watched
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((e) => e.task === id)
        .map((e) => e.state)
        .filter((s, i, all) => s !== all[i - 1]);
    for (const id of ['alpha', 'beta']) {
      const seen = states(id);
      const order = ['ready', 'starting', 'running', 'review'].map((s) => seen.indexOf(s));
      assert.ok(order.every((at, i) => at !== -1 && (i === 0 || at > order[i - 1])), `${id} went ready → starting → running → review: ${seen.join(' → ')}`);
    }
    assert.deepEqual(states('gamma'), ['blocked']);

    // Approval merges the work into base; then the task that waited starts from a base holding both.
    for (const id of ['alpha', 'beta']) {
      const approved = await runCli(repo, ['approve', id], env);
      assert.equal(approved.status, 0, approved.stderr + approved.stdout);
      assert.match(approved.stdout, new RegExp(`${id} merged into main as [0-9a-f]{10}`));
    }
    model.script('# Task gamma:', writeAndCommit(wt('gamma'), 'gamma.txt', 'alpha+beta\n'));
    const second = await runCli(repo, ['run'], env);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /Ready for review: gamma/);
    assert.equal(git(wt('gamma'), 'show', 'HEAD:alpha.txt'), 'alpha', "gamma's worktree starts with its dependencies' work");
    assert.equal(git(wt('gamma'), 'show', 'HEAD:gamma.txt'), 'alpha+beta');
    const status = JSON.parse((await runCli(repo, ['status', '--json'], env)).stdout);
    assert.deepEqual(status.map((s: { state: string }) => s.state), ['approved', 'approved', 'review']);
    assert.ok(status[2].tokens > 0, `tokens are counted from the transcript: ${status[2].tokens}`);
  });

  it('baton run --auto-approve: six Claude workers in dependency order, each merged into main; no worktree or baton/* branch left', async () => {
    const { model, env } = workers;
    const plan = `version: 1
name: Six
base: main
defaults:
  agent: claude
  heartbeatTimeout: 60s
  gates: ["test -f README.md"]
tasks:
${['a', 'b', 'c'].map((id) => `  - {id: ${id}, title: Part ${id}}`).join('\n')}
  - {id: d, title: Joins a and b, deps: [a, b]}
  - {id: e, title: Joins b and c, deps: [b, c]}
  - {id: f, title: Joins d and e, deps: [d, e]}
`;
    const repo = makeRepo(plan);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) model.script(`# Task ${id}:`, writeAndCommit(join(repo, '.baton/worktrees', id), `${id}.txt`, `${id}\n`));
    const run = await runCli(repo, ['run', '--auto-approve'], env, undefined, 170_000);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /Approved and merged: a, b, c, d, e, f/);
    const order = git(repo, 'log', '--first-parent', '--reverse', '--format=%s', 'main')
      .split('\n')
      .map((line) => /^Merge baton task ([a-f]):/.exec(line)?.[1])
      .filter(Boolean);
    assert.equal(order.length, 6, order.join(' '));
    for (const [task, deps] of Object.entries({ d: ['a', 'b'], e: ['b', 'c'], f: ['d', 'e'] })) {
      for (const dep of deps) assert.ok(order.indexOf(dep) < order.indexOf(task), `${dep} merged before ${task}: ${order.join(' ')}`);
    }
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) assert.equal(git(repo, 'show', `main:${id}.txt`), id, `main holds ${id}'s work`);
    assert.equal(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).length, 1, 'only the main working tree is left');
    assert.equal(git(repo, 'branch', '--list', 'baton/*'), '');
  });

  it('a Claude worker that is refused a command it may not run does not hang, and its work is checkpointed', async () => {
    const { model, env } = workers;
    const repo = makeRepo(PLAN.replace('agent: claude', 'agent: claude\n  gates: ["npm test"]'));
    const wt = join(repo, '.baton/worktrees/alpha');
    model.script('# Task alpha:', [
      turn.write(join(wt, 'draft.txt'), 'draft\n'),
      turn.bash('curl http://example.invalid/', 'Not on the allow-list'),
      turn.text('Could not fetch; stopping.'),
    ]);
    model.script('# Task beta:', writeAndCommit(join(repo, '.baton/worktrees/beta'), 'beta.txt', 'beta\n'));
    const run = await runCli(repo, ['run', '--max-workers', '1'], env);
    assert.equal(run.status, 0, run.stderr);
    assert.match(git(wt, 'log', '-1', '--format=%s'), /^baton: checkpoint of alpha/);
    assert.equal(git(wt, 'show', 'HEAD:draft.txt'), 'draft');
    const settings = JSON.parse(readFileSync(join(repo, '.baton/runs/alpha/claude-settings.json'), 'utf8'));
    assert.deepEqual(Object.keys(settings.hooks), ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Notification', 'Stop', 'SessionEnd']);
    const launch = readFileSync(join(repo, '.baton/runs/alpha/events.jsonl'), 'utf8').split('\n').find((l) => l.includes('"type":"launch"'))!;
    const args: string[] = JSON.parse(launch).args;
    assert.deepEqual(args.slice(args.indexOf('--permission-mode'), args.indexOf('--permission-mode') + 2), ['--permission-mode', 'acceptEdits']);
    const allowed = args.slice(args.indexOf('--allowedTools') + 1, args.indexOf('--', args.indexOf('--allowedTools')) === -1 ? undefined : args.indexOf('--', args.indexOf('--allowedTools')));
    assert.ok(allowed.includes('Bash(npm test)') && allowed.includes('Bash(git commit:*)'), `the gate exactly, and git's commit: ${allowed.join(' ')}`);
    assert.ok(!allowed.some((a) => a === 'Bash(git:*)' || a === 'Bash(npm test:*)'), `no wildcard git or gate: ${allowed.join(' ')}`);
    assert.ok(!args.some((a) => /dangerously|bypassPermissions/.test(a)), 'permissions are never bypassed by default');
  });
});
