// Task states (design.md, "Task states") and how a plan alone decides blocked or ready.
import type { Plan } from '../plan/model';

export type TaskState =
  /** waiting for its dependencies to be approved */
  | 'blocked'
  | 'ready'
  | 'starting'
  | 'running'
  | 'waiting_input'
  /** finished its turn with nothing to review yet; waiting at its prompt */
  | 'idle'
  /** the worker reported it cannot go on without the person (heartbeat status `blocked`) */
  | 'worker_blocked'
  | 'review'
  | 'stalled'
  | 'failed'
  /** approved by the person, waiting in the merge queue (or being merged) */
  | 'queued'
  | 'approved'
  /** the merge onto the base conflicted; base and working trees are untouched */
  | 'conflict'
  /** the gates failed on the merged tree; the base did not move */
  | 'integration_failed'
  | 'cancelled';

/** States in which a worker process is (or should be) alive. */
export const LIVE_STATES: ReadonlySet<TaskState> = new Set(['starting', 'running', 'waiting_input', 'idle', 'worker_blocked']);

/** States that wait for the person to act. */
export const NEEDS_YOU_STATES: ReadonlySet<TaskState> = new Set(['waiting_input', 'idle', 'worker_blocked', 'review', 'stalled', 'failed', 'conflict', 'integration_failed']);

/** States from which the person may approve: the worker is not writing (finished its turn, or stopped). */
export const APPROVABLE_STATES: ReadonlySet<TaskState> = new Set(['review', 'idle', 'waiting_input', 'worker_blocked', 'stalled', 'failed', 'cancelled', 'conflict', 'integration_failed']);

/** Live states in which the worker is doing something rather than waiting for the person. */
export const WORKING_STATES: ReadonlySet<TaskState> = new Set(['starting', 'running']);

/**
 * A task is ready when every dependency is approved; otherwise blocked. A task with a worker takes the
 * worker's state (workerState.ts).
 */
export function planStates(
  plan: Plan,
  approved: ReadonlySet<string> = new Set(),
  workers: ReadonlyMap<string, { state: TaskState }> = new Map(),
): Map<string, TaskState> {
  const states = new Map<string, TaskState>();
  for (const t of plan.tasks) {
    const worker = workers.get(t.id);
    if (approved.has(t.id)) states.set(t.id, 'approved');
    else if (worker) states.set(t.id, worker.state);
    else states.set(t.id, t.deps.every((d) => approved.has(d)) ? 'ready' : 'blocked');
  }
  return states;
}
