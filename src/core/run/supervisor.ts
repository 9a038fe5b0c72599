// The supervisor wraps one worker process: it launches the agent with an argument array, keeps the
// heartbeat fresh while the process lives, checkpoints uncommitted work when it ends, and records the exit.
// It runs as `baton supervise` inside the worker's terminal (interactive) or as a child of `baton run`.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import treeKill from 'tree-kill';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';
import { checkpoint, commitsAhead, type CheckpointResult } from '../git/worktrees';
import { appendEvent } from './events';
import { readHeartbeat, updateHeartbeat, type Heartbeat } from './heartbeat';
import { isCurrentLaunch, launchTag, readLaunch, recordLaunch } from './launches';
import type { BatonLayout } from './layout';
import { commandLineHas, endRecorded, processStart, ProcessRecorder } from './processTree';
import { pidAlive, TERMINAL_CLOSED } from './workerState';

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
  /** This launch's id (BATON_LAUNCH_ID): once a newer launch exists, this one leaves the heartbeat alone. */
  launchId?: string;
  now?: () => Date;
}

/**
 * Why this supervisor must not start the agent, or undefined when the task's launch is waiting for it:
 * `prepareLaunch` claims a task with a heartbeat that no supervisor has taken (no pid, no exit) yet. A
 * terminal that VS Code revives after a restart re-runs the same command line; by then the heartbeat
 * names a supervisor or an exit, and starting a fresh agent on the original prompt would redo the task.
 */
export function launchTaken(layout: BatonLayout, taskId: string, isAlive: (pid: number) => boolean = pidAlive): string | undefined {
  const read = readHeartbeat(layout.heartbeat(taskId), taskId);
  if (!read.ok) return read.missing ? `"${taskId}" was not prepared for a worker (no heartbeat). Start it from Baton.` : undefined;
  const hb = read.heartbeat;
  const again = 'Nothing was started. This command line only runs once per launch (VS Code may have reopened an old terminal); close this terminal, and use Restart Worker to run the task again.';
  if (hb.exit_code !== undefined) return `"${taskId}" already has a finished worker (${hb.status.replace('_', ' ')}). ${again}`;
  if (hb.pid !== undefined) return `"${taskId}" already has a worker (supervisor pid ${hb.pid}${isAlive(hb.pid) ? ', running' : ', gone'}). ${again}`;
  return undefined;
}

/** Runs the worker to its end and returns its exit code (128 + signal number when killed). */
export async function supervise(o: SuperviseOptions): Promise<number> {
  const now = o.now ?? (() => new Date());
  const hb = o.layout.heartbeat(o.taskId);
  const events = o.layout.events(o.taskId);
  const worktree = o.layout.worktree(o.taskId);
  const startedAt = now();
  const mine = () => isCurrentLaunch(o.layout, o.taskId, o.launchId);
  const tag = launchTag(o.launchId);
  // `liveness`: a periodic beat. It keeps a heartbeat fresh only while it is Baton's own (pid = ours; hooks
  // keep it): once an agent writes heartbeat.json itself, its own writes are its liveness, and a silent
  // agent must be seen to stall.
  const touch = (patch: Partial<Heartbeat>, liveness = false) =>
    updateHeartbeat(hb, o.taskId, (current) => (!mine() || (liveness && current?.pid !== process.pid) ? undefined : {
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
    // Record the tree now, while the agent is alive: once it exits, what it started belongs to init and
    // only the record finds it (the clean-up after the agent's end below).
    recorder?.poll();
    treeKill(pid, signal === 'SIGHUP' ? 'SIGHUP' : 'SIGTERM');
    // Not unref'd: the fallback must fire even if nothing else would keep this process alive (it is
    // cleared below once the agent and what it left are gone).
    killTimer ??= setTimeout(() => treeKill(pid, 'SIGKILL'), 5000);
  };
  let killTimer: NodeJS.Timeout | undefined;
  let recorder: ProcessRecorder | undefined;
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);

  await touch({ status: 'starting', activity: `Starting ${o.command}`, reason: undefined, exit_code: undefined });
  // Our pid beside our launch id, for heartbeats the agent writes itself (they need not carry it). Under
  // the heartbeat's lock, like the claim that wrote the launch id: a newer claim cannot slip in between.
  await updateHeartbeat(hb, o.taskId, () => {
    const record = readLaunch(o.layout, o.taskId);
    // With its start time: whoever stops this worker later checks that the pid is still this process.
    if (record && record.launch_id === o.launchId) recordLaunch(o.layout, o.taskId, { ...record, pid: process.pid, pid_start: processStart(process.pid) });
    return undefined;
  });
  appendEvent(events, { type: 'launch', at: now().toISOString(), command: o.command, args: o.args, pid: process.pid, ...tag });

  const stdin = o.stdinFile ? openSync(o.stdinFile, 'r') : o.interactive ? 'inherit' : 'ignore';
  const output = o.interactive ? 'inherit' : openSync(o.layout.output(o.taskId), 'a');
  try {
    if (!stopSignal) child = spawn(o.command, o.args, { cwd: worktree, env: o.env, stdio: [stdin, output, output] });
  } finally {
    if (typeof stdin === 'number') closeSync(stdin);
    if (typeof output === 'number') closeSync(output);
  }


  // Every process the agent starts, so none outlives the worker (processTree.ts).
  recorder = new ProcessRecorder(o.layout.processes(o.taskId), o.launchId);
  if (child?.pid) recorder.add(child.pid);
  const recording = setInterval(() => recorder.poll(), 500);
  const liveness = setInterval(() => void touch({}, true).catch(() => undefined), o.livenessMs ?? 5000);
  const silence = o.firstHookWithinMs
    ? setTimeout(() => {
        void updateHeartbeat(hb, o.taskId, (current) =>
          current && current.status === 'starting' && mine()
            ? { ...current, status: 'waiting_input', activity: 'Waiting: no word from the agent yet; it may be asking something in its terminal', updated_at: now().toISOString() }
            : undefined,
        ).catch(() => undefined);
      }, o.firstHookWithinMs)
    : undefined;
  const periodic = o.checkpointMs
    ? setInterval(
        () => void checkpointTask(o.layout, o.taskId, `baton: periodic checkpoint of ${o.taskId} (work in progress)`, { reason: 'periodic', agentEnded: false }),
        o.checkpointMs,
      )
    : undefined;

  const { code, signal, error } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    if (!child) return resolve({ code: null, signal: stopSignal ?? 'SIGTERM' });
    child.once('error', (e) => resolve({ code: null, signal: null, error: e }));
    child.once('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  clearInterval(liveness);
  clearInterval(recording);
  recorder.poll();
  // The agent has ended: whatever it started and left running goes too (TERM, then KILL what is left).
  if (endRecorded(o.layout.processes(o.taskId), 'SIGTERM', o.launchId).length) {
    await new Promise((r) => setTimeout(r, 500));
    endRecorded(o.layout.processes(o.taskId), 'SIGKILL', o.launchId);
  }
  if (silence) clearTimeout(silence);
  if (periodic) clearInterval(periodic);
  // A stop signals the whole process group: the agent may die and be reaped before our own handler has
  // run. Give that handler its turn, so a stop is recorded as a stop.
  if (signal && !stopSignal) await new Promise((r) => setTimeout(r, 100));

  // Nothing a worker wrote is lost: whatever it left uncommitted goes on its branch, labelled as such.
  const why = stopSignal ? 'was stopped' : error ? 'could not start' : `exited with code ${code ?? signal}`;
  const saved = await checkpointTask(o.layout, o.taskId, `baton: checkpoint of ${o.taskId} — uncommitted work saved when the worker ${why}`, {
    reason: stopSignal ? 'stopped' : 'exit',
    agentEnded: true,
    wait: true,
  });
  const ahead = await commitsAhead(o.layout.root, worktree, o.base);
  const exitCode = code ?? (signal ? 128 + (signalNumber(signal) ?? 15) : 1);

  let reason: string | undefined;
  await touch({});
  const final = await updateHeartbeat(hb, o.taskId, (current) => {
    if (!mine()) return undefined; // a newer launch owns the task now: record this one's end in events only
    const base = current ?? { task_id: o.taskId, status: 'starting' as const, updated_at: now().toISOString() };
    let status = base.status;
    if (error) {
      status = 'failed';
      reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `"${o.command}" was not found. Install it, or choose another agent profile (setting baton.agents).` : `could not start "${o.command}": ${error.message}`;
    } else if (stopSignal) {
      // SIGHUP: nobody pressed Stop; the terminal went away (VS Code quit, or the terminal was killed).
      reason = stopSignal === 'SIGHUP' ? TERMINAL_CLOSED : 'stopped';
    } else if (exitCode !== 0) {
      status = 'failed';
      reason = signal ? `the worker was killed (${signal})` : `the worker exited with code ${exitCode}`;
    } else if (status === 'failed') {
      reason = base.reason ?? 'the worker reported that it failed';
    } else if (ahead > 0) {
      status = 'done';
    } else if (status !== 'blocked') {
      status = 'failed';
      reason = 'the worker exited without committing any work';
    }
    const activity =
      status === 'done' ? `Finished: ${ahead} commit${ahead === 1 ? '' : 's'} to review` : stopSignal ? (stopSignal === 'SIGHUP' ? 'Stopped: its terminal was closed' : 'Stopped') : status === 'failed' ? `Failed: ${reason ?? base.reason ?? 'exited'}` : base.activity;
    return { ...base, status, activity, reason: reason ?? base.reason, exit_code: exitCode, updated_at: now().toISOString() };
  });
  appendEvent(events, {
    type: stopSignal ? 'stopped' : 'exit',
    at: now().toISOString(),
    code: exitCode,
    signal: signal ?? stopSignal ?? null,
    ...(final ? { status: final.status } : {}),
    ...tag,
    ...(saved.commit ? { checkpoint: saved.commit } : {}),
    ...(saved.error ? { checkpointError: saved.error } : {}),
    ...(reason ? { reason } : {}),
  });
  // Only now: without a listener of ours, a late signal would end this process before it recorded the exit.
  for (const s of signals) process.off(s, onSignal);
  if (killTimer) clearTimeout(killTimer);
  return exitCode;
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal];
}

export interface TaskCheckpoint extends CheckpointResult {
  /** Why none was attempted: another process is checkpointing this task, or the agent is inside a tool call. */
  skipped?: 'busy' | 'in-tool';
}

/**
 * The one way Baton checkpoints a task's worktree: one checkpointer at a time per task (a lock in its run
 * folder, so two windows and `baton run` never commit at once), never while the agent is inside a tool
 * call (its own `git commit` may be running; hooks say when), and every outcome on record: an event, and
 * on failure the heartbeat's `checkpoint_error`, which the Workers view and the CLI show.
 */
export async function checkpointTask(
  layout: BatonLayout,
  taskId: string,
  message: string,
  options: { reason: string; agentEnded: boolean; wait?: boolean },
): Promise<TaskCheckpoint> {
  const heartbeat = readHeartbeat(layout.heartbeat(taskId), taskId);
  if (!options.agentEnded && heartbeat.ok && heartbeat.heartbeat.in_tool) return { leftOut: [], skipped: 'in-tool' };
  let release: (() => Promise<void>) | undefined;
  try {
    release = await lock(layout.runDir(taskId), {
      lockfilePath: join(layout.runDir(taskId), 'checkpoint.lock'),
      realpath: false,
      stale: 60_000,
      retries: options.wait ? { retries: 100, minTimeout: 50, maxTimeout: 500 } : 0,
    });
  } catch {
    return { leftOut: [], skipped: 'busy' };
  }
  try {
    const result = await checkpoint(layout.root, layout.worktree(taskId), message);
    const at = new Date().toISOString();
    const tag = launchTag(readLaunch(layout, taskId)?.launch_id);
    if (result.error) appendEvent(layout.events(taskId), { type: 'checkpoint-failed', at, reason: options.reason, error: result.error, ...tag });
    else if (result.commit || result.leftOut.length) {
      appendEvent(layout.events(taskId), { type: 'checkpoint', at, reason: options.reason, ...(result.commit ? { commit: result.commit } : {}), ...(result.leftOut.length ? { leftOut: result.leftOut } : {}), ...tag });
    }
    if (result.error || (heartbeat.ok && heartbeat.heartbeat.checkpoint_error)) {
      await updateHeartbeat(layout.heartbeat(taskId), taskId, (c) => ({ ...(c ?? { task_id: taskId, status: 'starting', updated_at: at }), checkpoint_error: result.error }));
    }
    return result;
  } finally {
    await release();
  }
}

/**
 * For a worker whose supervisor can no longer do it (stalled, or gone without recording an exit): commit
 * what it left uncommitted, once per state change, so review still sees everything.
 */
export async function checkpointAbandoned(layout: BatonLayout, taskId: string, why: 'stalled' | 'is gone'): Promise<TaskCheckpoint> {
  // A stalled worker's agent may still be alive (a hung supervisor): its tool calls are respected.
  return checkpointTask(layout, taskId, `baton: checkpoint of ${taskId} — uncommitted work saved when the worker ${why}`, { reason: why, agentEnded: why === 'is gone' });
}

/**
 * The pid of the task's supervisor, only while that process is still the one Baton launched: the pid
 * its supervisor recorded in launch.json (never a heartbeat's, which a worker may write), above 1, started
 * when it was recorded, and running `supervise <task> --root <root>`. Undefined otherwise: the worker
 * is gone, and nothing may be signalled.
 */
export function liveSupervisor(layout: BatonLayout, taskId: string): number | undefined {
  const record = readLaunch(layout, taskId);
  const pid = record?.pid;
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1 || pid === process.pid || !record?.pid_start) return undefined;
  if (processStart(pid) !== record.pid_start) return undefined;
  return commandLineHas(pid, ['supervise', taskId, '--root', layout.root]) ? pid : undefined;
}

/**
 * Stops the task's worker through its supervisor (stopSupervisor), when it has one (liveSupervisor);
 * 'gone' when it has none, and then nothing is signalled.
 */
export async function stopTaskSupervisor(layout: BatonLayout, taskId: string, graceMs?: number): Promise<'stopped' | 'killed' | 'gone'> {
  const pid = liveSupervisor(layout, taskId);
  return pid === undefined ? 'gone' : stopSupervisor(pid, graceMs);
}

/**
 * Stops a worker through its supervisor: SIGTERM to the supervisor alone, which ends the agent's whole
 * process tree and checkpoints its work. (A signal to the process group would kill the agent before the
 * supervisor could list the agent's descendants.) A supervisor still there after `graceMs` is killed
 * with its group. Says whether the supervisor ended by itself, had to be killed, or was already gone.
 */
export async function stopSupervisor(pid: number, graceMs = 15_000): Promise<'stopped' | 'killed' | 'gone'> {
  if (!Number.isInteger(pid) || pid <= 1) return 'gone'; // never a group, never every process, never init
  const start = processStart(pid);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return 'stopped';
    await new Promise((r) => setTimeout(r, 50));
  }
  // Ended meanwhile and its pid given to another process: that one is not ours to kill.
  if (processStart(pid) !== start) return 'stopped';
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // not a group leader, or gone
    }
  }
  return 'killed';
}
