// The supervisor wraps one worker process: it launches the agent with an argument array, keeps the
// heartbeat fresh while the process lives, checkpoints uncommitted work when it ends, and records the exit.
// It runs as `baton supervise` inside the worker's terminal (interactive) or as a child of `baton run`.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import treeKill from 'tree-kill';
import { checkpoint, commitsAhead } from '../git/worktrees';
import { appendEvent } from './events';
import { updateHeartbeat, type Heartbeat } from './heartbeat';
import type { BatonLayout } from './layout';
import { pidAlive } from './workerState';

export interface SuperviseOptions {
  layout: BatonLayout;
  taskId: string;
  base: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** `inherit`: the agent owns this terminal. Otherwise its output goes to .baton/runs/<id>/output.log. */
  interactive: boolean;
  /** Headless agents read their prompt from this file on stdin. */
  stdinFile?: string;
  livenessMs?: number;
  /** Commit uncommitted work this often while the worker runs (0: only at the end). */
  checkpointMs?: number;
  /**
   * For agents that report through hooks: if none has arrived this long after launch, the agent is most
   * likely showing a question in its terminal (Claude Code's folder-trust question, say), so the worker
   * is shown as waiting for the person rather than starting forever.
   */
  firstHookWithinMs?: number;
  now?: () => Date;
}

/** Runs the worker to its end and returns its exit code (128 + signal number when killed). */
export async function supervise(o: SuperviseOptions): Promise<number> {
  const now = o.now ?? (() => new Date());
  const hb = o.layout.heartbeat(o.taskId);
  const events = o.layout.events(o.taskId);
  const worktree = o.layout.worktree(o.taskId);
  const startedAt = now();
  const touch = (patch: Partial<Heartbeat>) =>
    updateHeartbeat(hb, o.taskId, (current) => ({
      ...(current ?? { task_id: o.taskId, status: 'starting' as const }),
      ...patch,
      task_id: o.taskId,
      pid: process.pid,
      started_at: startedAt.toISOString(),
      elapsed_seconds: Math.round((now().getTime() - startedAt.getTime()) / 1000),
      updated_at: now().toISOString(),
    }));

  // Signals first: a stop that arrives while we are still starting must still be a clean stop.
  let stopSignal: NodeJS.Signals | undefined;
  let child: ChildProcess | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stopSignal = signal;
    if (!child?.pid) return;
    // The whole tree: Claude Code runs its tools in process groups of their own, out of reach of a group
    // signal. tree-kill lists the descendants first, so they are found even once the agent has exited.
    const pid = child.pid;
    treeKill(pid, signal === 'SIGHUP' ? 'SIGHUP' : 'SIGTERM');
    setTimeout(() => treeKill(pid, 'SIGKILL'), 5000).unref();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);

  await touch({ status: 'starting', activity: `Starting ${o.command}`, reason: undefined, exit_code: undefined });
  appendEvent(events, { type: 'launch', at: now().toISOString(), command: o.command, args: o.args, pid: process.pid });

  const stdin = o.stdinFile ? openSync(o.stdinFile, 'r') : o.interactive ? 'inherit' : 'ignore';
  const output = o.interactive ? 'inherit' : openSync(o.layout.output(o.taskId), 'a');
  try {
    if (!stopSignal) child = spawn(o.command, o.args, { cwd: worktree, env: o.env, stdio: [stdin, output, output] });
  } finally {
    if (typeof stdin === 'number') closeSync(stdin);
    if (typeof output === 'number') closeSync(output);
  }


  const liveness = setInterval(() => void touch({}).catch(() => undefined), o.livenessMs ?? 5000);
  const silence = o.firstHookWithinMs
    ? setTimeout(() => {
        void updateHeartbeat(hb, o.taskId, (current) =>
          current && current.status === 'starting'
            ? { ...current, status: 'waiting_input', activity: 'Waiting: no word from the agent yet; it may be asking something in its terminal', updated_at: now().toISOString() }
            : (current ?? { task_id: o.taskId, status: 'starting', updated_at: now().toISOString() }),
        ).catch(() => undefined);
      }, o.firstHookWithinMs)
    : undefined;
  const periodic = o.checkpointMs
    ? setInterval(() => void checkpoint(worktree, `baton: periodic checkpoint of ${o.taskId} (work in progress)`).catch(() => undefined), o.checkpointMs)
    : undefined;

  const { code, signal, error } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    if (!child) return resolve({ code: null, signal: stopSignal ?? 'SIGTERM' });
    child.once('error', (e) => resolve({ code: null, signal: null, error: e }));
    child.once('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  clearInterval(liveness);
  if (silence) clearTimeout(silence);
  if (periodic) clearInterval(periodic);
  // A stop signals the whole process group: the agent may die and be reaped before our own handler has
  // run. Give that handler its turn, so a stop is recorded as a stop.
  if (signal && !stopSignal) await new Promise((r) => setTimeout(r, 100));

  // Nothing a worker wrote is lost: whatever it left uncommitted goes on its branch, labelled as such.
  const why = stopSignal ? 'was stopped' : error ? 'could not start' : `exited with code ${code ?? signal}`;
  const saved = await checkpoint(worktree, `baton: checkpoint of ${o.taskId} — uncommitted work saved when the worker ${why}`).catch(() => undefined);
  const ahead = await commitsAhead(worktree, o.base);
  const exitCode = code ?? (signal ? 128 + (signalNumber(signal) ?? 15) : 1);

  let reason: string | undefined;
  await touch({});
  const final = await updateHeartbeat(hb, o.taskId, (current) => {
    const base = current ?? { task_id: o.taskId, status: 'starting' as const, updated_at: now().toISOString() };
    let status = base.status;
    if (error) {
      status = 'failed';
      reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `"${o.command}" was not found. Install it, or choose another agent profile (setting baton.agents).` : `could not start "${o.command}": ${error.message}`;
    } else if (stopSignal) {
      reason = 'stopped';
    } else if (exitCode !== 0) {
      status = 'failed';
      reason = signal ? `the worker was killed (${signal})` : `the worker exited with code ${exitCode}`;
    } else if (ahead > 0) {
      status = 'done';
    } else if (status !== 'blocked') {
      status = 'failed';
      reason = 'the worker exited without committing any work';
    }
    const activity =
      status === 'done' ? `Finished: ${ahead} commit${ahead === 1 ? '' : 's'} to review` : stopSignal ? 'Stopped' : status === 'failed' ? `Failed: ${reason ?? base.reason ?? 'exited'}` : base.activity;
    return { ...base, status, activity, reason: reason ?? base.reason, exit_code: exitCode, updated_at: now().toISOString() };
  });
  appendEvent(events, {
    type: stopSignal ? 'stopped' : 'exit',
    at: now().toISOString(),
    code: exitCode,
    signal: signal ?? stopSignal ?? null,
    status: final.status,
    ...(saved ? { checkpoint: saved } : {}),
    ...(reason ? { reason } : {}),
  });
  // Only now: without a listener of ours, a late signal would end this process before it recorded the exit.
  for (const s of signals) process.off(s, onSignal);
  return exitCode;
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal];
}

/**
 * For a worker whose supervisor can no longer do it (stalled, or gone without recording an exit): commit
 * what it left uncommitted, once per state change, so review still sees everything.
 */
export async function checkpointAbandoned(layout: BatonLayout, taskId: string, why: 'stalled' | 'is gone'): Promise<string | undefined> {
  const saved = await checkpoint(layout.worktree(taskId), `baton: checkpoint of ${taskId} — uncommitted work saved when the worker ${why}`).catch(() => undefined);
  if (saved) appendEvent(layout.events(taskId), { type: 'checkpoint', at: new Date().toISOString(), commit: saved, reason: why });
  return saved;
}

/**
 * Stops a worker through its supervisor: SIGTERM to the supervisor alone, which ends the agent's whole
 * process tree and checkpoints its work. (A signal to the process group would kill the agent before the
 * supervisor could list the agent's descendants.) A supervisor still there after `graceMs` is killed
 * with its group. Resolves true when the supervisor ended by itself.
 */
export async function stopSupervisor(pid: number, graceMs = 15_000): Promise<boolean> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false; // already gone
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // not a group leader, or gone
    }
  }
  return false;
}
