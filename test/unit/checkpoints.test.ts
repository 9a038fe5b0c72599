// Checkpoints: what they commit, what they leave out, and that a failure is said, never hidden.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWorktree, looksLikeSecret } from '../../src/core/git/worktrees';
import { readEvents } from '../../src/core/run/events';
import { updateHeartbeat } from '../../src/core/run/heartbeat';
import { intakeHook } from '../../src/core/run/hookIntake';
import { BatonLayout } from '../../src/core/run/layout';
import { RunStore } from '../../src/core/run/runStore';
import { checkpointAbandoned, checkpointTask } from '../../src/core/run/supervisor';
import { bundledCli, git, makeRepo, planYaml, runCli, scriptAgent, waitFor } from './workspaceRepo';

const ONE = planYaml('  - {id: a, title: A}\n');

async function preparedTask(repo: string) {
  const layout = new BatonLayout(repo);
  layout.ensureRunDir('a');
  await ensureWorktree(repo, 'a', 'main', layout.worktree('a'));
  await updateHeartbeat(layout.heartbeat('a'), 'a', () => ({ task_id: 'a', status: 'in_progress', updated_at: new Date().toISOString() }));
  return { layout, wt: layout.worktree('a') };
}

describe('checkpoints', function () {
  this.timeout(60_000);
  before(async () => {
    await bundledCli();
  });

  it('leave secret-looking new files out, list them in the event, and commit the rest of what git shows', async () => {
    const repo = makeRepo(ONE);
    const script = 'echo S=1 > .env; echo k > id_rsa; echo k > id_rsa.pub; echo x > server.pem; echo E=x > .env.example; mkdir -p dist; echo b > dist/app.js; echo w > work.txt';
    const r = await runCli(repo, ['run'], scriptAgent(script));
    assert.equal(r.status, 0, r.stderr);
    const wt = join(repo, '.baton/worktrees/a');
    const committed = git(wt, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort();
    assert.deepEqual(committed, ['.env.example', 'dist/app.js', 'id_rsa.pub', 'work.txt']);
    const event = readEvents(join(repo, '.baton/runs/a/events.jsonl')).find((e) => e.type === 'checkpoint')!;
    assert.deepEqual((event.leftOut as string[]).sort(), ['.env', 'id_rsa', 'server.pem']);
    assert.ok(existsSync(join(wt, '.env')), 'left on disk for the person to decide');
    assert.match(git(wt, 'status', '--porcelain'), /\?\? \.env/);
  });

  it('know the usual secret names', () => {
    for (const p of ['.env', '.env.local', 'config/.env.production', 'id_ed25519', 'certs/site.key', 'credentials', 'aws/credentials.json', '.npmrc', 'home/.ssh/config']) assert.ok(looksLikeSecret(p), p);
    for (const p of ['.env.example', 'id_rsa.pub', 'src/env.ts', 'keyboard.ts', 'README.md', 'dist/app.js']) assert.ok(!looksLikeSecret(p), p);
  });

  it('that fail (a killed git left index.lock) are reported in the heartbeat, the events and the exit code, and no checkpoint is claimed', async () => {
    const repo = makeRepo(ONE);
    const r = await runCli(repo, ['run'], scriptAgent('echo draft > draft.txt; touch "$(git rev-parse --git-dir)/index.lock"'));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /Not checkpointed: a: .*index\.lock.*if none is running, delete/);
    const events = readEvents(join(repo, '.baton/runs/a/events.jsonl'));
    assert.ok(events.some((e) => e.type === 'checkpoint-failed' && /index\.lock/.test(String(e.error))));
    assert.ok(!events.some((e) => e.type === 'checkpoint' || e.checkpoint), 'no checkpoint claimed');
    const view = new RunStore(new BatonLayout(repo), () => 30).read('a')!.view;
    assert.match(view.checkpointError!, /index\.lock/);
    assert.equal(git(join(repo, '.baton/worktrees/a'), 'log', '-1', '--format=%s'), 'init', 'nothing was committed');
  });

  it('baton stop says the work could not be checkpointed, exits 1, and never prints "checkpointed"', async () => {
    const repo = makeRepo(ONE);
    await runCli(repo, ['start', 'a'], scriptAgent('echo draft > draft.txt; touch "$(git rev-parse --git-dir)/index.lock"; sleep 30'));
    const store = new RunStore(new BatonLayout(repo), () => 30);
    await waitFor('the lock', () => store.read('a')?.view.pid && existsSync(join(repo, '.git/worktrees/a/index.lock')));
    const r = await runCli(repo, ['stop', 'a']);
    assert.equal(r.status, 1);
    assert.doesNotMatch(r.stdout, /checkpointed on its branch/);
    assert.match(r.stderr, /stopped a, but its uncommitted work could not be checkpointed: .*index\.lock/);
  });

  it('wait while the agent is inside a tool call (its own git may be running)', async () => {
    const repo = makeRepo(ONE);
    const { layout, wt } = await preparedTask(repo);
    writeFileSync(join(wt, 'half.txt'), 'half\n');
    const ctx = { layout, taskId: 'a', base: 'main' };
    await intakeHook(ctx, 'PreToolUse', { tool_name: 'Bash', tool_input: { command: 'git commit -m x' } });
    assert.deepEqual(await checkpointAbandoned(layout, 'a', 'stalled'), { leftOut: [], skipped: 'in-tool' });
    assert.equal(git(wt, 'log', '-1', '--format=%s'), 'init');
    await intakeHook(ctx, 'PostToolUse', { tool_name: 'Bash', tool_input: { command: 'git commit -m x' } });
    const saved = await checkpointAbandoned(layout, 'a', 'stalled');
    assert.ok(saved.commit, JSON.stringify(saved));
    assert.match(git(wt, 'log', '-1', '--format=%s'), /checkpoint of a — uncommitted work saved when the worker stalled/);
  });

  it('one checkpointer per task: two windows checkpointing at once make one commit', async () => {
    const repo = makeRepo(ONE);
    const { layout, wt } = await preparedTask(repo);
    mkdirSync(join(wt, 'many'));
    for (let i = 0; i < 200; i++) writeFileSync(join(wt, 'many', `${i}.txt`), `${i}\n`);
    const results = await Promise.all([1, 2, 3].map(() => checkpointTask(layout, 'a', 'baton: checkpoint', { reason: 'stalled', agentEnded: true })));
    assert.equal(results.filter((r) => r.commit).length, 1, JSON.stringify(results));
    assert.ok(results.every((r) => r.commit || r.skipped === 'busy' || (!r.error && !r.commit)), JSON.stringify(results));
    assert.equal(git(wt, 'rev-list', '--count', 'HEAD'), '2');
    assert.equal(readFileSync(join(wt, 'many/7.txt'), 'utf8'), '7\n');
  });
});
