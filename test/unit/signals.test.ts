// What Stop, `baton stop` and Approve may signal: only the supervisor Baton launched for the task, checked
// by its recorded pid, start time and command line. A heartbeat is the worker's to write, so the pid in it
// is never signalled: not -1 (every process of the person), not 0 (the stopper's own group), not another
// process's.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLaunch, recordLaunch } from '../../src/core/run/launches';
import { BatonLayout } from '../../src/core/run/layout';
import { processStart } from '../../src/core/run/processTree';
import { RunStore } from '../../src/core/run/runStore';
import { liveSupervisor } from '../../src/core/run/supervisor';
import { pidAlive } from '../../src/core/run/workerState';
import { bundledCli, git, makeRepo, planYaml, runCli, scriptAgent, waitFor } from './workspaceRepo';

const ONE = planYaml('  - {id: a, title: A}\n');

/** A process that is not the worker's, alive until the test ends it. */
async function bystander(args = ['60'], command = 'sleep'): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  return child;
}

function state(repo: string): string | undefined {
  return new RunStore(new BatonLayout(repo), () => 30).read('a')?.view.state;
}

function heartbeatPid(repo: string): unknown {
  try {
    return JSON.parse(readFileSync(join(repo, '.baton/runs/a/heartbeat.json'), 'utf8')).pid;
  } catch {
    return undefined;
  }
}

describe('what a stop may signal', function () {
  this.timeout(60_000);
  const others: ChildProcess[] = [];
  before(async () => {
    await bundledCli();
  });
  afterEach(() => {
    for (const p of others.splice(0)) p.kill('SIGKILL');
  });

  it("baton stop ends the worker's own supervisor when its heartbeat names another process, and leaves that process alone", async () => {
    const other = await bystander();
    others.push(other);
    for (const forged of [other.pid!, 0, -1]) {
      const repo = makeRepo(ONE);
      // The worker itself writes a heartbeat naming a pid of its choosing.
      const agent = `printf '{"task_id":"a","status":"in_progress","pid":${forged}}' > "$BATON_ROOT/.baton/runs/a/heartbeat.json"; sleep 30`;
      const started = await runCli(repo, ['start', 'a'], scriptAgent(agent));
      assert.equal(started.status, 0, started.stderr);
      const layout = new BatonLayout(repo);
      await waitFor('the forged heartbeat', () => heartbeatPid(repo) === forged && readLaunch(layout, 'a')?.pid_start);
      const supervisor = readLaunch(layout, 'a')!.pid!;
      const stopped = await runCli(repo, ['stop', 'a']);
      assert.equal(stopped.status, 0, stopped.stderr);
      assert.match(stopped.stdout, /Stopped a/, `pid ${forged}`);
      await waitFor('the real supervisor gone', () => !pidAlive(supervisor));
      assert.equal(state(repo), 'cancelled', `pid ${forged}`);
      assert.ok(pidAlive(other.pid!), `the other process is alive (heartbeat pid ${forged})`);
    }
  });

  it('baton stop signals nothing when the supervisor is gone and the heartbeat names a live process', async () => {
    const repo = makeRepo(ONE);
    const r = await runCli(repo, ['run'], scriptAgent('git commit -q --allow-empty -m work'));
    assert.equal(r.status, 0, r.stderr);
    const other = await bystander();
    others.push(other);
    writeFileSync(join(repo, '.baton/runs/a/heartbeat.json'), JSON.stringify({ task_id: 'a', status: 'in_progress', updated_at: new Date().toISOString(), pid: other.pid }));
    const stopped = await runCli(repo, ['stop', 'a']);
    assert.equal(stopped.status, 1);
    assert.match(stopped.stderr, /"a" has no running worker/);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(pidAlive(other.pid!), 'the other process is alive');
  });

  it('baton approve stops no process a heartbeat names', async () => {
    const repo = makeRepo(ONE);
    const r = await runCli(repo, ['run'], scriptAgent('echo a > a.txt; git add a.txt; git commit -qm work'));
    assert.equal(r.status, 0, r.stderr);
    const other = await bystander();
    others.push(other);
    // As an interactive session at its prompt would look: done, no exit yet, "its" pid alive.
    writeFileSync(join(repo, '.baton/runs/a/heartbeat.json'), JSON.stringify({ task_id: 'a', status: 'done', updated_at: new Date().toISOString(), pid: other.pid }));
    const approved = await runCli(repo, ['approve', 'a']);
    assert.equal(approved.status, 0, approved.stderr);
    assert.equal(git(repo, 'show', 'main:a.txt'), 'a');
    assert.ok(pidAlive(other.pid!), 'the other process is alive');
  });

  it('a recorded supervisor pid now held by another process (another start time, or another command) is not signalled', async () => {
    const repo = makeRepo(ONE);
    const layout = new BatonLayout(repo);
    // Looks like this task's supervisor by its command line, but started later than the one recorded.
    const lookalike = await bystander(['-c', 'sleep 60; :', 'supervise', 'a', '--root', repo], 'sh');
    others.push(lookalike);
    const sleeper = await bystander();
    others.push(sleeper);
    layout.ensureRunDir('a');
    writeFileSync(layout.heartbeat('a'), JSON.stringify({ task_id: 'a', status: 'in_progress', updated_at: new Date().toISOString() }));

    recordLaunch(layout, 'a', { launch_id: 'x', at: new Date().toISOString(), pid: lookalike.pid, pid_start: 'an earlier start' });
    assert.equal(liveSupervisor(layout, 'a'), undefined, 'another start time');
    const stopped = await runCli(repo, ['stop', 'a']);
    assert.equal(stopped.status, 0, stopped.stderr);
    assert.match(stopped.stdout, /supervisor had already ended, so nothing was checkpointed/);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(pidAlive(lookalike.pid!), 'the process that took the pid is alive');

    recordLaunch(layout, 'a', { launch_id: 'x', at: new Date().toISOString(), pid: sleeper.pid, pid_start: processStart(sleeper.pid!) });
    assert.equal(liveSupervisor(layout, 'a'), undefined, 'not a supervisor of this task');
    assert.equal((await runCli(repo, ['stop', 'a'])).status, 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(pidAlive(sleeper.pid!), 'the sleeper is alive');

    // The same command line and the start time recorded: that is the task's supervisor.
    recordLaunch(layout, 'a', { launch_id: 'x', at: new Date().toISOString(), pid: lookalike.pid, pid_start: processStart(lookalike.pid!) });
    assert.equal(liveSupervisor(layout, 'a'), lookalike.pid);
    const elsewhere = new BatonLayout(makeRepo(ONE));
    elsewhere.ensureRunDir('a');
    recordLaunch(elsewhere, 'a', { launch_id: 'x', at: new Date().toISOString(), pid: lookalike.pid, pid_start: processStart(lookalike.pid!) });
    assert.equal(liveSupervisor(elsewhere, 'a'), undefined, "another repository's task a: no");
  });
});
