// Which ready tasks to start now: up to maxWorkers live at once, longest remaining path first — the
// same policy `baton simulate` measures. A task is not started while a task it may conflict with (both
// may touch the same files, both `conflicts: serialize`) is live; it waits, and the free worker goes to the
// next ready task. Only live tasks hold others, and a live task never waits for a ready one, so no set of
// conflicts, cyclic or not, can stop a run: with nothing live, the first ready task always starts.
import { indexGraph, type ConflictGroup } from '../graph/analysis';
import { findConflictGroups, reachability } from '../graph/conflicts';
import { priorityOrder, remainingPath } from '../graph/schedule';
import type { Plan } from '../plan/model';
import { LIVE_STATES, type TaskState } from './states';

/** Why a ready task is not started: a live task it may conflict with. */
export interface ConflictHold {
  /** The live (or just started) task it waits for. */
  by: string;
  /** The contested path or pattern. */
  path: string;
}

/** Ready tasks that wait because a task they may conflict with is live: "waits for api: both touch …". */
export function conflictHolds(
  plan: Plan,
  states: ReadonlyMap<string, TaskState>,
  conflicts?: readonly ConflictGroup[],
): Map<string, ConflictHold> {
  const held = new Map<string, ConflictHold>();
  const ready = plan.tasks.filter((t) => states.get(t.id) === 'ready');
  const busy = plan.tasks.filter((t) => LIVE_STATES.has(states.get(t.id)!)).map((t) => t.id);
  if (ready.length === 0 || busy.length === 0) return held;
  const lock = conflictLock(plan, conflicts ?? groupsOf(plan));
  for (const t of ready) {
    const hold = lock(t.id, busy);
    if (hold) held.set(t.id, hold);
  }
  return held;
}

function groupsOf(plan: Plan): ConflictGroup[] {
  const g = indexGraph(plan);
  return findConflictGroups(plan, g, reachability(g));
}

/** "waits for api: both touch src/shared/db.ts". */
export function holdText(hold: ConflictHold): string {
  return `waits for ${hold.by}: both touch ${hold.path}`;
}

/**
 * Ready tasks to start now, in order. `conflicts` is the plan's grouped conflicts (an Analysis has them);
 * computed from the plan when not given.
 */
export function tasksToStart(
  plan: Plan,
  states: ReadonlyMap<string, TaskState>,
  maxWorkers: number,
  conflicts?: readonly ConflictGroup[],
  /** Live workers of tasks no longer in the plan (renamed or removed): they still hold a slot. */
  liveElsewhere = 0,
): string[] {
  const start: string[] = [];
  const live = [...states.values()].filter((s) => LIVE_STATES.has(s)).length + liveElsewhere;
  let free = Math.max(0, maxWorkers - live);
  const g = indexGraph(plan);
  const ready = g.ids.map((_, i) => i).filter((i) => states.get(g.ids[i]) === 'ready');
  if (ready.length === 0 || free === 0) return start;
  const before = priorityOrder(remainingPath(g));
  ready.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));

  const lock = conflictLock(plan, conflicts ?? findConflictGroups(plan, g, reachability(g)));
  const busy = plan.tasks.filter((t) => LIVE_STATES.has(states.get(t.id)!)).map((t) => t.id);
  for (const i of ready) {
    if (free === 0) break;
    const id = g.ids[i];
    if (lock(id, busy)) continue; // the free worker goes to the next ready task
    start.push(id);
    busy.push(id);
    free--;
  }
  return start;
}

/** Looks up, for a task about to start, a busy task it may conflict with under the plan's policies. */
function conflictLock(plan: Plan, groups: readonly ConflictGroup[]): (task: string, busy: readonly string[]) => ConflictHold | undefined {
  const serialize = new Set(plan.tasks.filter((t) => (t.conflicts ?? plan.defaults.conflicts) === 'serialize').map((t) => t.id));
  const byTask = new Map<string, Array<{ path: string; tasks: Set<string>; listing: Set<string> }>>();
  for (const group of groups) {
    const entry = { path: group.path, tasks: new Set(group.tasks), listing: new Set(group.listing) };
    for (const id of group.tasks) {
      let list = byTask.get(id);
      if (!list) byTask.set(id, (list = []));
      list.push(entry);
    }
  }
  return (task, busy) => {
    if (!serialize.has(task)) return undefined;
    for (const group of byTask.get(task) ?? []) {
      const lists = group.listing.has(task);
      for (const other of busy) {
        if (other === task || !serialize.has(other) || !group.tasks.has(other)) continue;
        if (lists || group.listing.has(other)) return { by: other, path: group.path };
      }
    }
    return undefined;
  };
}
