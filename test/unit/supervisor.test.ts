// The supervisor and the worker commands: what runs when nobody asked, what Stop reaches, what the agent inherits.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../../src/core/run/events';
import { taskHistory } from '../../src/core/run/history';
import { updateHeartbeat } from '../../src/core/run/heartbeat';
import { intakeHook } from '../../src/core/run/hookIntake';
import { BatonLayout } from '../../src/core/run/layout';
import { readLaunch, recordLaunch } from '../../src/core/run/launches';
import { processStart } from '../../src/core/run/processTree';
import { RunStore } from '../../src/core/run/runStore';
import { stopSupervisor } from '../../src/core/run/supervisor';
import { agentEnvironment, personEnvironment } from '../../src/core/run/workerEnv';
import { canStop, pidAlive, quietSeconds, workerState } from '../../src/core/run/workerState';
import { bundledCli, git, makeRepo, planYaml, runCli, scriptAgent, waitFor } from './workspaceRepo';

const ONE = planYaml('  - {id: a, title: A}\n');

function view(repo: string, task = 'a') {
  return new RunStore(new BatonLayout(repo), () => 30).read(task)?.view;
}

describe('supervisor safety', function () {
  this.timeout(60_000);
  before(async () => {
    await bundledCli();
  });

  it('a revived terminal re-running `baton supervise` starts nothing when the task already had its worker, and says why', async () => {
    const repo = makeRepo(ONE);
    const r = await runCli(repo, ['run'], scriptAgent('echo once >> runs.txt; git add runs.txt; git commit -qm work'));
    assert.equal(r.status, 0, r.stderr);
    const launches = () => readEvents(join(repo, '.baton/runs/a/events.jsonl')).filter((e) => e.type === 'launch').length;
    assert.equal(launches(), 1);
    // The same command line a terminal would run again after a restart of VS Code.
    const again = await runCli(repo, ['supervise', 'a', '--root', repo, '--base', 'main', '--', 'sh', '-c', 'echo again >> runs.txt']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /"a" already has a finished worker \(done\)\. Nothing was started\..*Restart Worker/);
    assert.equal(launches(), 1, 'no second launch');
    assert.equal(readFileSync(join(repo, '.baton/worktrees/a/runs.txt'), 'utf8'), 'once\n');
    assert.equal(view(repo)?.state, 'review', 'the finished worker is untouched');
  });

  it('the same while the first worker still runs', async () => {
    const repo = makeRepo(ONE);
    await runCli(repo, ['start', 'a'], scriptAgent('sleep 30'));
    const pid = await waitFor('running', () => view(repo)?.pid);
    const again = await runCli(repo, ['supervise', 'a', '--root', repo, '--base', 'main', '--', 'sh', '-c', 'touch second']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, new RegExp(`already has a worker \\(supervisor pid ${pid}, running\\)`));
    assert.equal(view(repo)?.pid, pid);
    assert.ok(!existsSync(join(repo, '.baton/worktrees/a/second')));
    await runCli(repo, ['stop', 'a']);
  });

  it('the agent gets the person\'s environment: none of the editor\'s own variables, none meant for Baton alone', async () => {
    const repo = makeRepo(ONE);
    const editor = { ELECTRON_RUN_AS_NODE: '1', BATON_OWN_ENV: 'ELECTRON_RUN_AS_NODE', PERSON_VAR: 'kept' };
    const r = await runCli(repo, ['run'], { ...scriptAgent('env > env.txt; git add env.txt; git commit -qm env'), ...editor });
    assert.equal(r.status, 0, r.stderr);
    const env = readFileSync(join(repo, '.baton/worktrees/a/env.txt'), 'utf8');
    assert.doesNotMatch(env, /ELECTRON_RUN_AS_NODE/);
    assert.doesNotMatch(env, /BATON_OWN_ENV/);
    assert.match(env, /PERSON_VAR=kept/);
    assert.match(env, /BATON_TASK_ID=a/);
    const clean = personEnvironment({ ELECTRON_RUN_AS_NODE: '1', VSCODE_IPC_HOOK_CLI: '/x', VSCODE_PID: '1', HOME: '/h', PATH: '/bin', NODE_OPTIONS: '--x' });
    assert.deepEqual(clean, { HOME: '/h', PATH: '/bin', NODE_OPTIONS: '--x' });
    assert.deepEqual(agentEnvironment({ ELECTRON_RUN_AS_NODE: '1', BATON_OWN_ENV: 'ELECTRON_RUN_AS_NODE', A: 'b' }), { A: 'b' });
  });

  it('stop kills what ignores SIGTERM after the grace period, even once the agent itself has exited', async () => {
    const repo = makeRepo(ONE);
    // The agent leaves a process in a session of its own that ignores SIGTERM (as a dev server might).
    await runCli(repo, ['start', 'a'], scriptAgent(`setsid sh -c 'trap "" TERM; echo $$ > stubborn.pid; while :; do sleep 1; done' & wait`));
    const wt = join(repo, '.baton/worktrees/a');
    const stubborn = Number(await waitFor('stubborn', () => existsSync(join(wt, 'stubborn.pid')) && readFileSync(join(wt, 'stubborn.pid'), 'utf8').trim()));
    const r = await runCli(repo, ['stop', 'a']);
    assert.equal(r.status, 0, r.stderr);
    await waitFor('the stubborn process gone', () => !pidAlive(stubborn), 10_000);
  });

  it('Stop reaches a stalled worker', async () => {
    const repo = makeRepo(ONE.replace('heartbeatTimeout: 30s', 'heartbeatTimeout: 2s'));
    await runCli(repo, ['start', 'a'], scriptAgent('sleep 30'));
    const store = new RunStore(new BatonLayout(repo), () => 2);
    const pid = await waitFor('supervisor', () => store.read('a')?.view.pid);
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor('stalled', () => store.read('a')?.view.state === 'stalled', 10_000);
      assert.ok(canStop(store.read('a')!.view));
      const stopping = runCli(repo, ['stop', 'a']);
      await new Promise((r) => setTimeout(r, 500));
      process.kill(pid, 'SIGCONT'); // it wakes to the stop that waited for it
      const r = await stopping;
      assert.equal(r.status, 0, r.stderr);
      await waitFor('cancelled', () => store.read('a')?.view.state === 'cancelled');
    } finally {
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  it('a worker whose terminal went away (VS Code quit) is not said to be stopped by you, and its work is checkpointed', async () => {
    const repo = makeRepo(ONE);
    await runCli(repo, ['start', 'a'], scriptAgent('echo draft > notes.txt; sleep 30'));
    const pid = await waitFor('running', () => (existsSync(join(repo, '.baton/worktrees/a/notes.txt')) ? view(repo)?.pid : undefined));
    // What the kernel sends the terminal's process when its pty closes.
    process.kill(pid, 'SIGHUP');
    const ended = await waitFor('cancelled', () => (view(repo)?.state === 'cancelled' ? view(repo) : undefined), 20_000);
    assert.equal(ended.reason, 'its terminal was closed (VS Code quit, or the terminal was killed)');
    assert.equal(ended.activity, 'Stopped: its terminal was closed');
    const history = taskHistory(readEvents(join(repo, '.baton/runs/a/events.jsonl'))).map((h) => h.text);
    assert.ok(history.includes('worker stopped: its terminal was closed (VS Code quit, or the terminal was killed)'), JSON.stringify(history));
    assert.ok(!history.some((h) => /by you/.test(h)), JSON.stringify(history));
    assert.equal(git(repo, 'show', 'baton/a:notes.txt'), 'draft', 'the uncommitted work is on the branch');
  });

  it('stop does not claim the worker left nothing uncommitted when its supervisor ended without recording the stop', async () => {
    const repo = makeRepo(ONE);
    const r = await runCli(repo, ['run'], scriptAgent('git commit -q --allow-empty -m work'));
    assert.equal(r.status, 0, r.stderr);
    const wt = join(repo, '.baton/worktrees/a');
    writeFileSync(join(wt, 'draft.txt'), 'unsaved\n');
    // A process that dies on SIGTERM without recording anything stands in for a supervisor that vanished:
    // recorded as the task's supervisor, with its start time and a supervisor's command line.
    const stand = spawn('sh', ['-c', 'sleep 30; :', 'supervise', 'a', '--root', realpathSync(repo)], { stdio: 'ignore' });
    await new Promise((r) => stand.once('spawn', r));
    try {
      const layout = new BatonLayout(realpathSync(repo));
      recordLaunch(layout, 'a', { ...readLaunch(layout, 'a')!, pid: stand.pid, pid_start: processStart(stand.pid!) });
      writeFileSync(join(repo, '.baton/runs/a/heartbeat.json'), JSON.stringify({ task_id: 'a', status: 'in_progress', updated_at: new Date().toISOString() }));
      const stopped = await runCli(repo, ['stop', 'a']);
      assert.equal(stopped.status, 0, stopped.stderr);
      assert.doesNotMatch(stopped.stdout, /left nothing uncommitted/);
      assert.match(stopped.stdout, /nothing was checkpointed\. Its worktree has 1 uncommitted file \(draft\.txt\)/);
    } finally {
      stand.kill('SIGKILL');
    }
  });

  it('stopping says whether the supervisor ended by itself, had to be killed, or was already gone', async () => {
    const polite = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => polite.once('spawn', r));
    assert.equal(await stopSupervisor(polite.pid!), 'stopped');
    const deaf = spawn('sh', ['-c', 'trap "" TERM; sleep 30'], { stdio: 'ignore', detached: true });
    await new Promise((r) => setTimeout(r, 200)); // let sh install its trap
    assert.equal(await stopSupervisor(deaf.pid!, 300), 'killed');
    if (deaf.exitCode === null && deaf.signalCode === null) await new Promise((r) => deaf.once('exit', r)); // reaped, not a zombie
    assert.equal(await stopSupervisor(deaf.pid!), 'gone');
  });

  it('Stop reaches a worker in review whose session is still open', () => {
    const base = { task_id: 'a', updated_at: new Date().toISOString(), pid: process.pid };
    const live = { now: new Date(), timeoutSeconds: 30, isAlive: () => true };
    assert.ok(canStop(workerState({ ...base, status: 'done' }, undefined, live), () => true));
    assert.ok(!canStop(workerState({ ...base, status: 'done', exit_code: 0 }, undefined, live), () => true), 'a finished one has nothing to stop');
    assert.ok(!canStop(workerState({ ...base, status: 'in_progress' }, undefined, live), () => false), 'nor one whose process is gone');
  });

  it('baton run keeps its workers when one start is refused', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n  - {id: b, title: B, agent: nobody}\n'));
    const r = await runCli(repo, ['run'], scriptAgent('sleep 2; git commit -q --allow-empty -m work'));
    assert.match(r.stderr, /could not start b: No worker profile named "nobody"/);
    assert.equal(view(repo)?.state, 'review', 'a ran to its end');
    assert.match(r.stderr, /Ready for review: a/);
  });

  it('knows how long the agent itself has been quiet, apart from the supervisor\'s beat', async () => {
    const repo = makeRepo(ONE);
    const layout = new BatonLayout(repo);
    layout.ensureRunDir('a');
    const t0 = new Date('2026-01-01T10:00:00Z');
    await updateHeartbeat(layout.heartbeat('a'), 'a', () => ({ task_id: 'a', status: 'in_progress', updated_at: t0.toISOString(), pid: process.pid }));
    await intakeHook({ layout, taskId: 'a', base: 'main', now: () => t0 }, 'PostToolUse', { tool_name: 'Bash', tool_input: { command: 'npm test' } });
    // The supervisor keeps beating for 12 minutes; the agent says nothing.
    const later = new Date(t0.getTime() + 12 * 60_000);
    await updateHeartbeat(layout.heartbeat('a'), 'a', (c) => ({ ...c!, updated_at: later.toISOString() }));
    const v = new RunStore(layout, () => 30).read('a', later)!.view;
    assert.equal(v.state, 'running');
    assert.equal(quietSeconds(v, later), 12 * 60);
  });
});
