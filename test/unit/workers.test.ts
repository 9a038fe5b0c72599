// Workers end to end with real git worktrees and real processes, driven through the `baton` command.
// The agent here is a shell script profile (the profile mechanism for non-Claude CLIs); the real Claude
// Code CLI is exercised in claudeWorkers.test.ts.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWorktree } from '../../src/core/git/worktrees';
import { updateHeartbeat } from '../../src/core/run/heartbeat';
import { BatonLayout } from '../../src/core/run/layout';
import { RunStore } from '../../src/core/run/runStore';
import { bundledCli, git, makeRepo, planYaml, runCli, scriptAgent, spawnCli, waitFor } from './workspaceRepo';

const THREE = planYaml('  - {id: a, title: A}\n  - {id: b, title: B}\n  - {id: c, title: C, deps: [a, b]}\n');
const COMMIT = 'echo "$BATON_TASK_ID" > "$BATON_TASK_ID.txt"; git add -A; git commit -qm "work on $BATON_TASK_ID"';

function state(repo: string, task: string) {
  const store = new RunStore(new BatonLayout(repo), () => 30);
  return store.read(task)?.view;
}

describe('workers (headless, real git, real processes)', function () {
  this.timeout(60_000);
  before(async () => {
    await bundledCli();
  });

  it('baton run: independent tasks run in their own worktrees, end in review; the dependent waits', async () => {
    const repo = makeRepo(THREE);
    const r = await runCli(repo, ['run'], scriptAgent(COMMIT));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Ready for review: a, b/);
    assert.match(r.stderr, /Waiting for approvals: c/);
    for (const id of ['a', 'b']) {
      const wt = join(repo, '.baton/worktrees', id);
      assert.equal(git(wt, 'rev-parse', '--abbrev-ref', 'HEAD'), `baton/${id}`);
      assert.equal(git(wt, 'log', '-1', '--format=%s'), `work on ${id}`);
      assert.ok(existsSync(join(repo, '.baton/runs', id, 'prompt.md')));
    }
    assert.equal(git(repo, 'status', '--porcelain', '--untracked-files=all'), '', 'the main checkout stays clean: .baton/ never shows as a change');
    const status = JSON.parse((await runCli(repo, ['status', '--json'])).stdout);
    assert.deepEqual(status.map((s: { task: string; state: string }) => [s.task, s.state]), [['a', 'review'], ['b', 'review'], ['c', 'blocked']]);
    assert.match(status[0].activity, /Finished: 1 commit to review/);
  });

  it('a task whose dependencies are not approved cannot be started, and the command says why', async () => {
    const repo = makeRepo(THREE);
    const r = await runCli(repo, ['start', 'c'], scriptAgent(COMMIT));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /"c" cannot start yet: it waits for "a", "b" to be approved/);
    assert.ok(!existsSync(join(repo, '.baton/worktrees/c')), 'no worktree was made');
  });

  it('uncommitted work is committed as a checkpoint when the worker exits', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const r = await runCli(repo, ['run'], scriptAgent('echo draft > notes.md'));
    assert.equal(r.status, 0, r.stderr);
    const wt = join(repo, '.baton/worktrees/a');
    assert.match(git(wt, 'log', '-1', '--format=%s'), /^baton: checkpoint of a — uncommitted work saved when the worker exited with code 0$/);
    assert.equal(git(wt, 'show', 'HEAD:notes.md'), 'draft');
    assert.equal(state(repo, 'a')?.state, 'review');
  });

  it('a worker that fails is reported failed, with its worktree and branch kept', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const r = await runCli(repo, ['run'], scriptAgent('echo half > half.txt; exit 3'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Failed: a/);
    const view = state(repo, 'a')!;
    assert.equal(view.state, 'failed');
    assert.equal(view.reason, 'the worker exited with code 3');
    assert.equal(git(join(repo, '.baton/worktrees/a'), 'show', 'HEAD:half.txt'), 'half', 'even a failed worker loses nothing');
  });

  it('a worker whose supervisor is killed outright shows as failed, not running forever', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const started = await runCli(repo, ['start', 'a'], scriptAgent('sleep 30'));
    assert.equal(started.status, 0, started.stderr);
    const running = await waitFor('a running', () => (state(repo, 'a')?.pid ? state(repo, 'a') : undefined));
    assert.equal(running.state, 'starting');
    process.kill(-running.pid!, 'SIGKILL');
    const failed = await waitFor('a failed', () => state(repo, 'a')?.state === 'failed' && state(repo, 'a'));
    assert.match(failed.reason!, /process is gone/);
    assert.ok(existsSync(join(repo, '.baton/worktrees/a')));
  });

  it('a worker whose heartbeat stops is stalled within the timeout plus a second', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n').replace('heartbeatTimeout: 30s', 'heartbeatTimeout: 2s'));
    await runCli(repo, ['start', 'a'], scriptAgent('sleep 30'));
    const store = new RunStore(new BatonLayout(repo), () => 2);
    const pid = await waitFor('supervisor pid', () => store.read('a')?.view.pid);
    process.kill(pid, 'SIGSTOP'); // frozen: alive, but writes nothing
    try {
      const lastBeat = Date.parse(store.read('a')!.view.updatedAt);
      await waitFor('stalled', () => store.read('a')?.view.state === 'stalled', 10_000);
      const seen = Date.now();
      assert.ok(seen - lastBeat <= 3000 + 100, `stalled after ${seen - lastBeat} ms (timeout 2 s + 1 s)`);
      assert.equal(store.read('a')!.view.reason, 'no heartbeat for more than 2s');
    } finally {
      process.kill(-pid, 'SIGKILL');
      process.kill(pid, 'SIGCONT');
    }
  });

  it('baton stop ends the whole worker process tree and checkpoints its work', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    // The agent starts a grandchild in a session of its own (as Claude Code runs its tools): a signal to the
    // worker's process group would miss it.
    await runCli(repo, ['start', 'a'], scriptAgent('echo wip > wip.txt; setsid sleep 60 & echo $! > grandchild.pid; wait'));
    const wt = join(repo, '.baton/worktrees/a');
    const grandchild = Number(await waitFor('grandchild', () => existsSync(join(wt, 'grandchild.pid')) && readFileSync(join(wt, 'grandchild.pid'), 'utf8').trim()));
    const r = await runCli(repo, ['stop', 'a']);
    assert.equal(r.status, 0, r.stderr);
    await waitFor('cancelled', () => state(repo, 'a')?.state === 'cancelled');
    await waitFor('grandchild gone', () => {
      try {
        process.kill(grandchild, 0);
        return false;
      } catch {
        return true;
      }
    });
    assert.match(git(wt, 'log', '-1', '--format=%s'), /checkpoint of a — uncommitted work saved when the worker was stopped/);
  });

  it('Ctrl-C on baton run stops every worker cleanly', async () => {
    const repo = makeRepo(THREE);
    const run = await spawnCli(repo, ['run'], scriptAgent('echo wip > wip.txt; sleep 60'));
    let out = '';
    run.stdout!.on('data', (d) => (out += d));
    await waitFor('two workers with work in progress', () => ['a', 'b'].every((id) => existsSync(join(repo, '.baton/worktrees', id, 'wip.txt'))));
    const code = await new Promise<number | null>((resolve) => {
      run.once('exit', (c) => resolve(c));
      run.kill('SIGINT');
    });
    assert.equal(code, 130);
    for (const id of ['a', 'b']) {
      await waitFor(`${id} cancelled`, () => state(repo, id)?.state === 'cancelled').catch((e) => {
        throw new Error(`${e.message}\n${out}\n${readFileSync(join(repo, '.baton/runs', id, 'events.jsonl'), 'utf8')}\n${JSON.stringify(state(repo, id))}\n${readFileSync(join(repo, '.baton/runs', id, 'output.log'), 'utf8')}`);
      });
      assert.match(git(join(repo, '.baton/worktrees', id), 'log', '-1', '--format=%s'), /checkpoint/);
    }
  });

  it('Ctrl-C while workers are still being prepared leaves no worker behind', async () => {
    const repo = makeRepo(THREE);
    const run = await spawnCli(repo, ['run'], scriptAgent('sleep 61'));
    let out = '';
    run.stdout!.on('data', (d) => (out += d));
    await waitFor('first claim', () => out.includes('"starting"'));
    run.kill('SIGINT');
    assert.equal(await new Promise((resolve) => run.once('exit', resolve)), 130);
    for (const id of ['a', 'b']) {
      const s = state(repo, id)?.state;
      assert.ok(s === undefined || s === 'cancelled', `${id} is ${s}`);
    }
    const left = spawnSync('pgrep', ['-f', 'sleep 61']).stdout.toString().trim();
    assert.equal(left, '', 'no agent process is left running');
  });

  it('a hook-reporting agent that says nothing after launch is shown as waiting for the person', async () => {
    // Claude Code asking "do you trust this folder?" looks like this: the process runs, no hook fires.
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n').replace('heartbeatTimeout: 30s', 'heartbeatTimeout: 3s'));
    const silent = { BATON_AGENTS: JSON.stringify({ script: { command: 'sh', headlessArgs: ['-c', 'sleep 30'], claudeHooks: true } }) };
    await runCli(repo, ['start', 'a'], silent);
    const waiting = await waitFor('waiting for input', () => (state(repo, 'a')?.state === 'waiting_input' ? state(repo, 'a') : undefined), 10_000);
    assert.match(waiting.activity!, /no word from the agent yet; it may be asking something in its terminal/);
    await runCli(repo, ['stop', 'a']);
  });

  it('a worker can report that it is blocked, with a reason the person sees', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const r = await runCli(repo, ['run'], scriptAgent('baton report blocked "Which database should I use?"; git commit -q --allow-empty -m x'));
    assert.equal(r.status, 0, r.stderr);
    const events = readFileSync(join(repo, '.baton/runs/a/events.jsonl'), 'utf8');
    assert.match(events, /"type":"report:blocked".*"reason":"Which database should I use\?"/);
  });

  it('plan text full of shell metacharacters reaches the worker as text and runs nothing', async () => {
    const marker = join(makeRepo(''), 'pwned');
    const hostile = `$(touch ${marker}) \`touch ${marker}\` ; touch ${marker} | touch ${marker}`;
    const repo = makeRepo(planYaml(`  - id: a\n    title: ${JSON.stringify(hostile)}\n    description: ${JSON.stringify(hostile)}\n    files: [${JSON.stringify(hostile)}]\n    gates: [${JSON.stringify(hostile)}]\n`));
    const r = await runCli(repo, ['run'], scriptAgent('cat "$BATON_ROOT/.baton/runs/$BATON_TASK_ID/prompt.md" > seen.md; git add -A; git commit -qm seen'));
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!existsSync(marker), 'nothing in the plan was executed');
    assert.ok(git(join(repo, '.baton/worktrees/a'), 'show', 'HEAD:seen.md').includes(hostile), 'the worker got the text as written');
  });
});

describe('heartbeat files under stress', function () {
  this.timeout(60_000);

  it('a half-written or garbage heartbeat keeps the last good state and says what is wrong', () => {
    const repo = makeRepo('');
    const layout = new BatonLayout(repo);
    layout.ensureRunDir('a');
    const store = new RunStore(layout, () => 60, () => true);
    const good = { task_id: 'a', status: 'in_progress', activity: 'Edit x.ts', updated_at: new Date().toISOString(), pid: process.pid };
    writeFileSync(layout.heartbeat('a'), JSON.stringify(good));
    assert.equal(store.read('a')!.view.state, 'running');
    for (const garbage of ['{"task_id": "a", "sta', '\u0000\u0001binary', '[]', '{"task_id":"b","status":"done","updated_at":"2026-01-01T00:00:00Z"}', '{"task_id":"a","status":"exploded","updated_at":"x"}']) {
      writeFileSync(layout.heartbeat('a'), garbage);
      const r = store.read('a')!;
      assert.equal(r.view.state, 'running', `after ${JSON.stringify(garbage)}`);
      assert.equal(r.view.activity, 'Edit x.ts');
      assert.ok(r.problem, 'the problem is reported');
    }
    writeFileSync(layout.heartbeat('a'), JSON.stringify({ ...good, activity: 'line\nbreak\u001b[31m' + 'x'.repeat(500) }));
    const clean = store.read('a')!.view.activity!;
    assert.ok(!/[\n\u001b]/.test(clean) && clean.length <= 120, 'activity is one short line whatever the worker wrote');
  });

  it('20 workers writing at once: every hook event lands, every heartbeat stays valid JSON', async function () {
    // 200 short-lived `node cli.js hook` processes: on a loaded machine they may take minutes in all, so the
    // deadline is on progress (no hook finishing for a while), not on the whole run.
    this.timeout(0);
    const stuckAfterMs = 30_000;
    const repo = makeRepo('');
    const layout = new BatonLayout(repo);
    const cli = await bundledCli();
    const ids = Array.from({ length: 20 }, (_, i) => `w${i}`);
    for (const id of ids) layout.ensureRunDir(id);
    const bad: string[] = [];
    const store = new RunStore(layout, () => 60, () => true);
    const poll = setInterval(() => {
      for (const id of ids) {
        const r = store.read(id);
        if (r?.problem) bad.push(r.problem);
      }
    }, 5);
    let done = 0;
    let lastProgress = Date.now();
    const hook = (id: string, k: number) =>
      new Promise<void>((resolve, reject) => {
        const p = spawn(process.execPath, [cli, 'hook', 'PostToolUse'], { env: { ...process.env, BATON_TASK_ID: id, BATON_ROOT: repo } });
        p.stdin.end(JSON.stringify({ tool_name: 'Edit', tool_input: { file_path: `f${k}.ts` } }));
        p.once('exit', (c) => (c === 0 ? resolve() : reject(new Error(`${id}'s hook ${k} exited ${c}`))));
      }).then(() => {
        done++;
        lastProgress = Date.now();
      });
    let watchdog: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      watchdog = setInterval(() => {
        if (Date.now() - lastProgress > stuckAfterMs) reject(new Error(`no hook finished for ${stuckAfterMs / 1000} s (${done} of 200 done)`));
      }, 1000);
    });
    try {
      // Each worker fires 10 hook events back to back, all 20 at once: 200 locked read-modify-writes.
      await Promise.race([
        Promise.all(
          ids.map(async (id) => {
            for (let k = 0; k < 10; k++) await hook(id, k);
          }),
        ),
        stuck,
      ]);
    } finally {
      clearInterval(watchdog);
      clearInterval(poll);
    }
    assert.deepEqual(bad, [], 'no reader ever saw a torn heartbeat');
    for (const id of ids) {
      const r = store.read(id)!;
      assert.equal(r.view.state, 'running');
      assert.equal(r.view.activity, 'Edit f9.ts');
      assert.equal(readFileSync(layout.events(id), 'utf8').trim().split('\n').length, 10);
    }
  });

  it('concurrent read-modify-writes of one heartbeat lose no update (the lock works)', async () => {
    const repo = makeRepo('');
    const layout = new BatonLayout(repo);
    layout.ensureRunDir('a');
    
    const bump = () =>
      updateHeartbeat(layout.heartbeat('a'), 'a', (c) => ({
        task_id: 'a',
        status: 'in_progress',
        updated_at: new Date().toISOString(),
        progress: Number(c?.progress ?? 0) + 1,
      }));
    await Promise.all(Array.from({ length: 50 }, bump));
    assert.equal(JSON.parse(readFileSync(layout.heartbeat('a'), 'utf8')).progress, 50);
  });

  it('baton hook never blocks the worker: bad input or no Baton context still exits 0', async () => {
    const repo = makeRepo('');
    const noContext = await runCli(repo, ['hook', 'PostToolUse'], { BATON_TASK_ID: '', BATON_ROOT: '' }, '{}');
    assert.equal(noContext.status, 0);
    assert.match(noContext.stderr, /only works inside a Baton worker/);
    new BatonLayout(repo).ensureRunDir('a');
    const garbage = await runCli(repo, ['hook', 'Notification'], { BATON_TASK_ID: 'a', BATON_ROOT: repo }, 'not json at all');
    assert.equal(garbage.status, 0);
    assert.equal(state(repo, 'a')?.state, 'waiting_input', 'the event still counts');
    const hostile = await runCli(repo, ['hook', 'PostToolUse'], { BATON_TASK_ID: '../../etc', BATON_ROOT: repo }, '{}');
    assert.equal(hostile.status, 0);
    assert.match(hostile.stderr, /unsafe task id/);
  });
});

describe('worktrees', function () {
  this.timeout(30_000);

  it('a worktree deleted by hand is made again from its branch, keeping the committed work', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const wt = join(repo, '.baton/worktrees/a');
    assert.deepEqual(await ensureWorktree(repo, 'a', 'main', wt), { created: true });
    writeFileSync(join(wt, 'kept.txt'), 'kept\n');
    git(wt, 'add', 'kept.txt');
    git(wt, 'commit', '-q', '-m', 'keep me');
    assert.deepEqual(await ensureWorktree(repo, 'a', 'main', wt), { created: false }, 'an existing worktree is reused');
    rmSync(wt, { recursive: true, force: true });
    assert.deepEqual(await ensureWorktree(repo, 'a', 'main', wt), { created: true });
    assert.equal(git(wt, 'log', '-1', '--format=%s'), 'keep me');
  });

  it('a base that does not exist is refused with what to do', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    await assert.rejects(ensureWorktree(repo, 'a', 'develop', join(repo, '.baton/worktrees/a')), /base "develop" is not a branch or commit in this repository/);
    assert.equal(git(repo, 'branch', '--list', 'baton/a'), '', 'no branch was left behind');
  });
});

describe('work of a worker that dies', function () {
  this.timeout(60_000);

  it('is checkpointed by baton run when the supervisor is killed outright', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const run = await spawnCli(repo, ['run'], scriptAgent('echo unsaved > unsaved.txt; sleep 60'));
    const wt = join(repo, '.baton/worktrees/a');
    const pid = await waitFor('worker running', () => existsSync(join(wt, 'unsaved.txt')) && state(repo, 'a')?.pid);
    process.kill(-pid, 'SIGKILL'); // no chance to save anything itself
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    assert.equal(code, 1, 'the run reports the failure');
    assert.match(git(wt, 'log', '-1', '--format=%s'), /^baton: checkpoint of a — uncommitted work saved when the worker is gone$/);
    assert.equal(git(wt, 'show', 'HEAD:unsaved.txt'), 'unsaved');
  });

  it('two starts of one task at once: one worker, the other is refused', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const results = await Promise.all([1, 2, 3].map(() => runCli(repo, ['start', 'a'], scriptAgent('sleep 5; git commit -q --allow-empty -m done'))));
    const started = results.filter((r) => r.status === 0);
    assert.equal(started.length, 1, results.map((r) => r.stderr).join('\n'));
    for (const r of results.filter((x) => x.status !== 0)) assert.match(r.stderr, /"a" already has a worker/);
    const pid = await waitFor('the one supervisor', () => state(repo, 'a')?.pid);
    process.kill(-pid, 'SIGTERM');
  });
});
