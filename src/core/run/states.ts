// Task states (design.md, "Task states") and how a plan alone decides blocked or ready.
import type { Plan } from '../plan/model';

export type TaskState =
  | 'blocked'
  | 'ready'
  | 'starting'
  | 'running'
  | 'waiting_input'
  | 'review'
  | 'stalled'
  | 'failed'
  | 'approved'
  | 'conflict'
  | 'cancelled';

/** A task is ready when every dependency is approved; otherwise blocked. */
export function planStates(plan: Plan, approved: ReadonlySet<string> = new Set()): Map<string, TaskState> {
  const states = new Map<string, TaskState>();
  for (const t of plan.tasks) {
    if (approved.has(t.id)) states.set(t.id, 'approved');
    else states.set(t.id, t.deps.every((d) => approved.has(d)) ? 'ready' : 'blocked');
  }
  return states;
}
