// What a worker is doing, derived from its files alone (heartbeat.json and events.jsonl), so a reloaded
// window, a second window and `baton status` all come to the same answer.
import type { RunEvent } from './events';
import type { Heartbeat } from './heartbeat';
import type { TaskState } from './states';

/**
 * Why a worker ended that no one stopped: the terminal it ran in went away, and with it (SIGHUP) the agent.
 * Quitting VS Code does this to every worker it holds; so does killing the worker's terminal.
 */
export const TERMINAL_CLOSED = 'its terminal was closed (VS Code quit, or the terminal was killed)';

export interface WorkerView {
  taskId: string;
  state: TaskState;
  activity?: string;
  reason?: string;
  startedAt?: string;
  updatedAt: string;
  elapsedSeconds?: number;
  tokens?: number;
  /** Percent done, when the worker reports a number as its progress. */
  progress?: number;
  pid?: number;
  exitCode?: number | null;
  /** Why the last checkpoint failed; its work is only on disk. */
  checkpointError?: string;
  /** When the agent itself last reported (a hook or `baton report`); undefined for agents that do not. */
  agentAt?: string;
}

export interface Liveness {
  now: Date;
  /** Seconds without a heartbeat write after which a live worker counts as stalled. */
  timeoutSeconds: number;
  /** Whether a process id is alive; the supervisor's pid is in the heartbeat. */
  isAlive(pid: number): boolean;
}

const LIVE: ReadonlySet<Heartbeat['status']> = new Set(['starting', 'in_progress', 'waiting_input', 'idle', 'blocked']);

export function workerState(heartbeat: Heartbeat, lastExit: RunEvent | undefined, live: Liveness): WorkerView {
  const view: WorkerView = {
    taskId: heartbeat.task_id,
    state: 'running',
    activity: heartbeat.activity,
    reason: heartbeat.reason,
    startedAt: heartbeat.started_at,
    updatedAt: heartbeat.updated_at,
    elapsedSeconds: heartbeat.elapsed_seconds,
    tokens: heartbeat.tokens_used,
    progress: typeof heartbeat.progress === 'number' ? heartbeat.progress : undefined,
    pid: heartbeat.pid,
    exitCode: heartbeat.exit_code,
    checkpointError: heartbeat.checkpoint_error,
    agentAt: heartbeat.agent_at,
  };
  if (lastExit?.type === 'approved') return { ...view, state: 'approved' };
  // The merge queue's word (mergeQueue.ts) wins over the finished worker's last heartbeat.
  if (lastExit?.type === 'queued') return { ...view, state: 'queued', activity: 'Queued to merge' };
  if (lastExit?.type === 'merge_waiting') return { ...view, state: 'queued', activity: `Waiting for git (${String(lastExit.lock ?? 'a lock file')} is held by another git command)` };
  if (lastExit?.type === 'conflict') {
    const files = Array.isArray(lastExit.files) ? (lastExit.files as string[]) : [];
    return { ...view, state: 'conflict', reason: `merge conflict with ${String(lastExit.base ?? 'the base')} in ${files.join(', ') || 'some files'}` };
  }
  if (lastExit?.type === 'integration_failed') {
    const failed = Array.isArray(lastExit.gates) ? (lastExit.gates as { command: string; exit_code: number | null }[]).filter((g) => g.exit_code !== 0) : [];
    return { ...view, state: 'integration_failed', reason: `gates failed on the merged tree: ${failed.map((g) => g.command).join(', ')}` };
  }
  if (lastExit?.type === 'merge_refused') return { ...view, state: 'review', reason: String(lastExit.reason ?? 'the merge was refused') };
  if (lastExit?.type === 'stopped') return { ...view, state: 'cancelled', reason: lastExit.signal === 'SIGHUP' ? TERMINAL_CLOSED : 'stopped by you' };
  // Its worktree and branch are gone: it can start again from the base.
  if (lastExit?.type === 'discarded') return { ...view, state: 'cancelled', reason: 'discarded by you' };
  switch (heartbeat.status) {
    case 'starting':
      view.state = 'starting';
      break;
    case 'in_progress':
      view.state = 'running';
      break;
    case 'waiting_input':
      view.state = 'waiting_input';
      break;
    case 'idle':
      view.state = 'idle';
      break;
    case 'blocked':
      view.state = 'worker_blocked';
      break;
    case 'done':
      view.state = 'review';
      break;
    case 'failed':
      view.state = 'failed';
      break;
  }
  if (LIVE.has(heartbeat.status) && heartbeat.exit_code === undefined) {
    const age = (live.now.getTime() - Date.parse(heartbeat.updated_at)) / 1000;
    if (heartbeat.pid !== undefined && !live.isAlive(heartbeat.pid) && lastExit === undefined) {
      return { ...view, state: 'failed', reason: 'the worker process is gone (it ended without recording an exit)' };
    }
    if (age > live.timeoutSeconds) {
      // Worded so that it does not change every second: a stalled worker is one change, not a stream.
      return { ...view, state: 'stalled', reason: `no heartbeat for more than ${live.timeoutSeconds}s` };
    }
  }
  return view;
}

/**
 * Seconds since the agent itself last reported, for a live worker; undefined when it never reported or
 * the worker is not live. The supervisor's beat says the process is there, this says whether it works.
 */
export function quietSeconds(view: WorkerView, now: Date): number | undefined {
  if (!view.agentAt || view.exitCode !== undefined) return undefined;
  const at = Date.parse(view.agentAt);
  return Number.isFinite(at) ? Math.max(0, (now.getTime() - at) / 1000) : undefined;
}

/**
 * Whether Stop can reach this worker: its supervisor is still there. That includes a stalled worker (its
 * supervisor hangs) and one in review whose agent's session is still open, not only the live states.
 */
export function canStop(view: WorkerView, isAlive: (pid: number) => boolean = pidAlive): boolean {
  return view.pid !== undefined && view.exitCode === undefined && view.state !== 'cancelled' && view.state !== 'approved' && isAlive(view.pid);
}

/** process.kill(pid, 0) answers "does it exist" without sending anything. */
export function pidAlive(pid: number): boolean {
  // 0 and negative numbers name process groups (-1: every process), not a process.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
