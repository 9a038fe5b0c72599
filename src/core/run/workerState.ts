// What a worker is doing, derived from its files alone (heartbeat.json and events.jsonl), so a reloaded
// window, a second window and `baton status` all come to the same answer.
import type { RunEvent } from './events';
import type { Heartbeat } from './heartbeat';
import type { TaskState } from './states';

export interface WorkerView {
  taskId: string;
  state: TaskState;
  activity?: string;
  reason?: string;
  startedAt?: string;
  updatedAt: string;
  elapsedSeconds?: number;
  tokens?: number;
  pid?: number;
  exitCode?: number | null;
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
    pid: heartbeat.pid,
    exitCode: heartbeat.exit_code,
  };
  if (lastExit?.type === 'approved') return { ...view, state: 'approved' };
  if (lastExit?.type === 'stopped') return { ...view, state: 'cancelled', reason: 'stopped by you' };
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
      return { ...view, state: 'stalled', reason: `no heartbeat for ${Math.round(age)}s (timeout ${live.timeoutSeconds}s)` };
    }
  }
  return view;
}

/** process.kill(pid, 0) answers "does it exist" without sending anything. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
