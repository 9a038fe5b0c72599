// The heartbeat protocol as workers write it (the published example, verbatim), the watcher's
// reconciliation pass, and status that follows every write in order.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCEPTED_STATUS_WORDS, checkHeartbeat, readHeartbeat, STATUS_WORDS } from '../../src/core/run/heartbeat';
import { readLaunch } from '../../src/core/run/launches';
import { BatonLayout } from '../../src/core/run/layout';
import { RunStore, RunWatcher, type WorkerChange } from '../../src/core/run/runStore';
import { pidAlive, workerState } from '../../src/core/run/workerState';
import { bundledCli, makeRepo, planYaml, runCli, scriptAgent, spawnCli, waitFor } from './workspaceRepo';

const EXAMPLE = '{"task_id":"phase-1","status":"in_progress","progress":"Step 2 of 5: Creating files","tokens_used":12500,"elapsed_seconds":450}';
const alive = { now: new Date(), timeoutSeconds: 60, isAlive: () => true };

function runFolder(taskId = 'phase-1') {
  const layout = new BatonLayout(makeRepo(planYaml(`  - {id: ${taskId}, title: T}\n`)));
  layout.ensureRunDir(taskId);
  return layout;
}

/** Replaces heartbeat.json as the protocol asks: a fixed temp name, then rename. */
function writeByRename(layout: BatonLayout, taskId: string, value: unknown) {
  const tmp = join(layout.runDir(taskId), '.hb.tmp');
  writeFileSync(tmp, typeof value === 'string' ? value : JSON.stringify(value));
  renameSync(tmp, layout.heartbeat(taskId));
}

describe('heartbeat protocol', () => {
  it('accepts the published example verbatim: text progress is the activity, the file time stands in for updated_at', () => {
    const layout = runFolder();
    writeFileSync(layout.heartbeat('phase-1'), EXAMPLE);
    const written = new Date('2026-01-02T03:04:05.000Z');
    utimesSync(layout.heartbeat('phase-1'), written, written);
    const read = readHeartbeat(layout.heartbeat('phase-1'), 'phase-1');
    assert.ok(read.ok, JSON.stringify(read));
    assert.equal(read.problem, undefined);
    assert.equal(read.heartbeat.updated_at, written.toISOString());
    const view = workerState(read.heartbeat, undefined, { ...alive, now: new Date(written.getTime() + 5000) });
    assert.equal(view.state, 'running');
    assert.equal(view.activity, 'Step 2 of 5: Creating files');
    assert.equal(view.tokens, 12500);
    assert.equal(view.elapsedSeconds, 450);
    assert.equal(view.progress, undefined, 'text progress is no percentage');
  });

  it('a file time from long ago makes a worker that wrote the example stalled, as with updated_at', () => {
    const layout = runFolder();
    writeFileSync(layout.heartbeat('phase-1'), EXAMPLE);
    const old = new Date(Date.now() - 120_000);
    utimesSync(layout.heartbeat('phase-1'), old, old);
    const read = readHeartbeat(layout.heartbeat('phase-1'), 'phase-1');
    assert.ok(read.ok);
    // `alive.now` was taken when the file loaded, which can be minutes before this test in a full run.
    assert.equal(workerState(read.heartbeat, undefined, { ...alive, now: new Date() }).state, 'stalled');
  });

  it('takes numeric progress as a percentage, shown beside the activity', () => {
    const read = checkHeartbeat({ task_id: 'a', status: 'in_progress', progress: 42, activity: 'Edit a.ts', updated_at: new Date().toISOString() }, 'a');
    assert.ok(read.ok);
    const view = workerState(read.heartbeat, undefined, alive);
    assert.equal(view.progress, 42);
    assert.equal(view.activity, 'Edit a.ts');
    const over = checkHeartbeat({ task_id: 'a', status: 'in_progress', progress: 250 }, 'a', new Date());
    assert.ok(over.ok);
    assert.equal(over.heartbeat.progress, 100);
  });

  it('keeps updated_at when the worker writes it', () => {
    const at = '2026-05-06T07:08:09.000Z';
    const read = checkHeartbeat({ task_id: 'a', status: 'idle', updated_at: at }, 'a', new Date());
    assert.ok(read.ok);
    assert.equal(read.heartbeat.updated_at, at);
  });

  const expected: Record<string, string> = {
    starting: 'starting',
    in_progress: 'running',
    running: 'running',
    working: 'running',
    waiting: 'waiting_input',
    waiting_input: 'waiting_input',
    needs_input: 'waiting_input',
    idle: 'idle',
    blocked: 'worker_blocked',
    completed: 'review',
    complete: 'review',
    done: 'review',
    finished: 'review',
    failed: 'failed',
    error: 'failed',
  };
  it('maps every accepted status word onto a Baton state, whatever its case or separator', () => {
    assert.deepEqual(Object.keys(STATUS_WORDS).sort(), Object.keys(expected).sort(), 'every accepted word is tested');
    for (const [word, state] of Object.entries(expected)) {
      for (const spelling of [word, word.toUpperCase(), word.replace('_', '-'), word.replace('_', ' ')]) {
        const read = checkHeartbeat({ task_id: 'a', status: spelling }, 'a', new Date());
        assert.ok(read.ok && !read.problem, `${spelling}: ${JSON.stringify(read)}`);
        assert.equal(workerState(read.heartbeat, undefined, alive).state, state, spelling);
      }
    }
  });

  it('an unknown status word is a problem on the worker that names the accepted words, and the worker is still followed', () => {
    for (const word of ['finished_ok', 'paused', '', 'in progress!']) {
      const read = checkHeartbeat({ task_id: 'a', status: word, progress: 'Step 1' }, 'a', new Date());
      assert.ok(read.ok, word);
      assert.match(read.problem ?? '', new RegExp(`status ${JSON.stringify(word).replace(/[!]/g, '.')} is not a word Baton knows`));
      assert.ok(read.problem!.includes(ACCEPTED_STATUS_WORDS));
      const view = workerState(read.heartbeat, undefined, alive);
      assert.equal(view.state, 'running');
      assert.equal(view.activity, 'Step 1');
    }
    const layout = runFolder('a');
    writeByRename(layout, 'a', { task_id: 'a', status: 'paused' });
    const record = new RunStore(layout, () => 60, () => true).read('a');
    assert.equal(record?.view.state, 'running');
    assert.match(record?.problem ?? '', /status "paused" is not a word Baton knows.*completed/);
  });

  it('refuses garbage with a reason, and keeps showing the last good heartbeat', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[1, 2], /must hold a JSON object/],
      [null, /must hold a JSON object/],
      ['just text', /must hold a JSON object/],
      [{ status: 'done' }, /names task undefined/],
      [{ task_id: 'other', status: 'done' }, /names task "other", not "a"/],
      [{ task_id: 'a' }, /has no "status"; write one of: starting, in_progress/],
      [{ task_id: 'a', status: 7 }, /status 7 is not a word/],
      [{ task_id: 'a', status: 'done', progress: { step: 2 } }, /progress must be text .* or a number/],
      [{ task_id: 'a', status: 'done', tokens_used: '12k' }, /tokens_used must be a number/],
      [{ task_id: 'a', status: 'done', updated_at: 'yesterday' }, /updated_at must be an ISO time/],
    ];
    for (const [value, reason] of cases) {
      const read = checkHeartbeat(value, 'a', new Date());
      if (read.ok) assert.match(read.problem ?? '', reason, JSON.stringify(value));
      else assert.match(read.problem, reason, JSON.stringify(value));
    }
    const layout = runFolder('a');
    const store = new RunStore(layout, () => 60, () => true);
    writeByRename(layout, 'a', { task_id: 'a', status: 'working', progress: 'Step 1' });
    assert.equal(store.read('a')?.view.activity, 'Step 1');
    writeByRename(layout, 'a', '{"task_id": "a", "status": "do');
    const half = store.read('a');
    assert.equal(half?.view.activity, 'Step 1', 'the last good heartbeat still shows');
    assert.match(half?.problem ?? '', /not valid JSON/);
  });
});

describe('RunWatcher reconciliation pass', () => {
  it('corrects a write the watchers did not report, at its next pass, by the file\'s stat alone', () => {
    const layout = runFolder('a');
    writeByRename(layout, 'a', { task_id: 'a', status: 'in_progress', progress: 'Step 1' });
    const changes: WorkerChange[] = [];
    const store = new RunStore(layout, () => 60, () => true);
    // No timer (an hour between passes): the test runs the pass itself.
    const watcher = new RunWatcher(store, layout, (c) => changes.push(c), 3_600_000);
    watcher.start();
    try {
      assert.deepEqual(changes.map((c) => c.record?.view.activity), ['Step 1']);
      // Written and then checked in the same tick: no watch event can have been delivered in between,
      // so only the pass can see it.
      writeByRename(layout, 'a', { task_id: 'a', status: 'waiting', progress: 'Step 2' });
      assert.ok(store.changedOnDisk('a'));
      watcher.reconcile();
      assert.deepEqual(changes.map((c) => [c.record?.view.state, c.record?.view.activity]), [['running', 'Step 1'], ['waiting_input', 'Step 2']]);
      assert.ok(!store.changedOnDisk('a'), 'read once; the next pass only stats');
      watcher.reconcile();
      assert.equal(changes.length, 2, 'no change, no report');
      // A rewrite in place with the same size is seen too (modification time).
      writeFileSync(layout.heartbeat('a'), JSON.stringify({ task_id: 'a', status: 'blocked', progress: 'Step 3' }));
      const later = new Date(Date.now() + 2000);
      utimesSync(layout.heartbeat('a'), later, later);
      watcher.reconcile();
      assert.equal(changes.at(-1)?.record?.view.state, 'worker_blocked');
      // A run folder that appears between passes is found by the pass.
      mkdirSync(layout.runDir('b'));
      writeFileSync(layout.heartbeat('b'), JSON.stringify({ task_id: 'b', status: 'done' }));
      watcher.reconcile();
      assert.equal(changes.at(-1)?.task, 'b');
      assert.equal(changes.at(-1)?.record?.view.state, 'review');
    } finally {
      watcher.dispose();
    }
  });

  it('reports a stalled worker once, not at every pass', () => {
    const layout = runFolder('a');
    writeByRename(layout, 'a', { task_id: 'a', status: 'in_progress', progress: 'Step 1' });
    const old = new Date(Date.now() - 10_000);
    utimesSync(layout.heartbeat('a'), old, old);
    const changes: WorkerChange[] = [];
    const watcher = new RunWatcher(new RunStore(layout, () => 5, () => true), layout, (c) => changes.push(c), 3_600_000);
    watcher.start();
    try {
      for (let i = 1; i <= 5; i++) watcher.reconcile(new Date(Date.now() + i * 1000));
      assert.deepEqual(changes.map((c) => c.record?.view.state), ['stalled']);
      assert.equal(changes[0].record?.view.reason, 'no heartbeat for more than 5s');
    } finally {
      watcher.dispose();
    }
  });

  it('sees every replacement through a fixed temp name, where a recursive watch loses them', async () => {
    const layout = runFolder('a');
    const seen: string[] = [];
    const watcher = new RunWatcher(new RunStore(layout, () => 60, () => true), layout, (c) => seen.push(c.record?.view.activity ?? ''), 3_600_000);
    watcher.start();
    try {
      for (let i = 1; i <= 20; i++) {
        writeByRename(layout, 'a', { task_id: 'a', status: 'in_progress', progress: `Step ${i}` });
        // The pass is off (an hour apart): only the folder watch can report it.
        await waitFor(`write ${i} reported`, () => seen.length >= i, 5000);
      }
      assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => `Step ${i + 1}`), 'every write, in order, by the watches alone');
    } finally {
      watcher.dispose();
    }
  });
});

/** A worker profile running test/support/heartbeatAgent.js: an agent that speaks only the heartbeat protocol. */
function heartbeatAgent(steps = 5, intervalMs = 200, env: Record<string, string> = {}): Record<string, string> {
  const agent = join(__dirname, '..', 'support', 'heartbeatAgent.js');
  return { ...env, BATON_AGENTS: JSON.stringify({ script: { command: process.execPath, headlessArgs: [agent, String(steps), String(intervalMs)] } }) };
}

interface WatchLine {
  task: string;
  state: string;
  activity: string | null;
  reason: string | null;
}

describe('a worker that speaks only the heartbeat protocol (headless, real processes)', function () {
  this.timeout(60_000);
  before(async () => {
    await bundledCli();
  });

  it('goes ready → starting → running → review in baton status --watch, every change once and in order', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n  - {id: b, title: B, deps: [a]}\n'));
    const watch = await spawnCli(repo, ['status', '--watch']);
    let out = '';
    watch.stdout!.on('data', (d) => (out += d));
    const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as WatchLine);
    try {
      await waitFor('the first lines', () => lines().length >= 2);
      const started = await runCli(repo, ['start', 'a'], heartbeatAgent(5, 400));
      assert.equal(started.status, 0, started.stderr);
      await waitFor('review', () => lines().some((l) => l.task === 'a' && l.state === 'review' && /Finished/.test(l.activity ?? '')), 30_000);
      await new Promise((r) => setTimeout(r, 1500)); // two passes more: nothing else may be printed
    } finally {
      watch.kill('SIGTERM');
    }
    const a = lines().filter((l) => l.task === 'a');
    const states = a.map((l) => l.state).filter((s, i, all) => s !== all[i - 1]);
    assert.deepEqual(states, ['ready', 'starting', 'running', 'review'], JSON.stringify(a, null, 1));
    const steps = a.filter((l) => l.state === 'running').map((l) => l.activity);
    assert.deepEqual(steps, [1, 2, 3, 4, 5].map((n) => `Step ${n} of 5: Creating files`), 'each step seen once, in order');
    for (let i = 1; i < a.length; i++) assert.notDeepEqual({ ...a[i], at: 0 }, { ...a[i - 1], at: 0 }, 'no line repeats the one before');
    assert.deepEqual(lines().filter((l) => l.task === 'b').map((l) => l.state), ['blocked'], 'b is printed once');
  });

  it('an older launch\'s late "stopped" does not decide the state of the newer launch', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const layout = new BatonLayout(repo);
    const store = () => new RunStore(layout, () => 30);
    // The first launch finishes its work and stays open at its "prompt", as an interactive Claude does.
    assert.equal((await runCli(repo, ['start', 'a'], heartbeatAgent(2, 100, { BATON_TEST_LINGER_MS: '30000' }))).status, 0);
    await waitFor('review', () => store().read('a')?.view.state === 'review');
    const first = readLaunch(layout, 'a')!;
    assert.ok(first.pid && pidAlive(first.pid), 'the first session is still there');
    // Restart: a new launch while the old session is still there.
    assert.equal((await runCli(repo, ['start', 'a'], heartbeatAgent(40, 200))).status, 0);
    const second = await waitFor('the new launch', () => readLaunch(layout, 'a')?.launch_id !== first.launch_id && readLaunch(layout, 'a'));
    await waitFor('the new worker running', () => store().read('a')?.view.state === 'running');
    // Now the old session ends and records "stopped" after the new launch.
    process.kill(first.pid!, 'SIGTERM');
    await waitFor('the old session\'s stop recorded', () => readFileSync(layout.events('a'), 'utf8').includes(`"type":"stopped"`));
    const events = readFileSync(layout.events('a'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const stopped = events.find((e) => e.type === 'stopped');
    assert.equal(stopped.launch, first.launch_id, 'the late event carries its launch');
    await new Promise((r) => setTimeout(r, 300));
    const view = store().read('a')!.view;
    assert.equal(view.state, 'running', 'the new worker is not Cancelled');
    assert.match(view.activity ?? '', /^Step \d+ of 40/);
    assert.equal(readLaunch(layout, 'a')?.launch_id, second.launch_id);
    const pid = readLaunch(layout, 'a')!.pid!;
    await runCli(repo, ['stop', 'a']);
    assert.ok(!pidAlive(pid));
  });

  it('a supervisor killed outright leaves nothing running: what its agent started is ended once Baton sees it gone', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    // The agent starts a tool in a session of its own (as Claude Code runs tools in groups of their own).
    await runCli(repo, ['start', 'a'], scriptAgent('setsid sleep 60 & echo $! > tool.pid; exec sleep 60'));
    const layout = new BatonLayout(repo);
    const wt = layout.worktree('a');
    const tool = await waitFor('the tool', () => existsSync(join(wt, 'tool.pid')) && Number(readFileSync(join(wt, 'tool.pid'), 'utf8')));
    const supervisor = await waitFor('the supervisor pid', () => readLaunch(layout, 'a')?.pid);
    await waitFor('the tool recorded', () => existsSync(layout.processes('a')) && readFileSync(layout.processes('a'), 'utf8').includes(`"pid":${tool}`));
    process.kill(-supervisor, 'SIGKILL'); // the supervisor's group: it and the agent, not the tool
    await waitFor('the supervisor gone', () => !pidAlive(supervisor));
    assert.ok(pidAlive(tool), 'the tool outlived the group kill');
    const status = JSON.parse((await runCli(repo, ['status', '--json'])).stdout);
    assert.equal(status[0].state, 'failed');
    await waitFor('the tool ended', () => !pidAlive(tool), 2000);
    assert.deepEqual(processesIn(wt), [], 'no process has the worktree as its working folder');
  });

  it('a supervisor that ends normally ends what its agent left running', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const r = await runCli(repo, ['run'], scriptAgent('setsid sleep 60 & echo $! > tool.pid; sleep 1; git add -A; git commit -qm w'));
    assert.equal(r.status, 0, r.stderr);
    const tool = Number(readFileSync(join(new BatonLayout(repo).worktree('a'), 'tool.pid'), 'utf8'));
    await waitFor('the tool ended', () => !pidAlive(tool), 2000);
  });
});

/** Pids whose working folder is `dir` or below it (Linux /proc). */
function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + '/')) out.push(Number(entry));
    } catch {
      // gone, or a zombie
    }
  }
  return out;
}
