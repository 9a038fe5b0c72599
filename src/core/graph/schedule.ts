// The scheduling policy Baton's live scheduler uses, run on a virtual clock with estimates: a ready queue
// fed as each dependency completes (not stage by stage), highest "longest remaining path" first.
import { roundHours } from '../plan/durations';
import type { Plan } from '../plan/model';
import { indexGraph, type ConflictGroup, type IndexedGraph } from './analysis';
import { findConflictGroups, reachability } from './conflicts';
import { MinHeap } from './minHeap';

export interface ScheduledTask {
  task: string;
  /** 1-based worker number. */
  worker: number;
  start: number;
  end: number;
}

export interface Simulation {
  workers: number;
  /** With the plan's conflict policy: tasks that may touch the same files wait for each other (`serialize`). */
  makespanHours: number;
  /** The same plan if every task said `conflicts: allow`: the cost of the locks is the difference. */
  makespanWithoutConflictLocksHours: number;
  /** Tasks that waited at least once for a task they may conflict with. */
  heldByConflicts: number;
  /** max(critical path, total work / workers): no schedule can beat it. */
  lowerBoundHours: number;
  /** What waiting for each whole stage to finish before starting the next would take. */
  stageBarrierHours: number;
  schedule: ScheduledTask[];
}

/** Longest path from each task to the end of the plan, counting its own hours: the queue's priority. */
export function remainingPath(g: IndexedGraph): Float64Array {
  const rest = new Float64Array(g.ids.length);
  for (let k = g.order.length - 1; k >= 0; k--) {
    const v = g.order[k];
    let tail = 0;
    for (const w of g.dependents[v]) tail = Math.max(tail, rest[w]);
    rest[v] = g.hours[v] + tail;
  }
  return rest;
}

/** Ready-queue order: longest remaining path first, then plan order. */
export function priorityOrder(rest: Float64Array): (a: number, b: number) => boolean {
  return (a, b) => rest[a] > rest[b] || (rest[a] === rest[b] && a < b);
}

export function simulate(plan: Plan, workers: number): Simulation {
  if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a whole number of at least 1.');
  const g = indexGraph(plan);
  const rest = remainingPath(g);
  const inOrder = new Uint8Array(g.ids.length);
  for (const v of g.order) inOrder[v] = 1;

  const depsOf = (v: number) => g.deps[v].filter((d) => inOrder[d]);
  const lock = new ConflictLock(plan, g, findConflictGroups(plan, g, reachability(g)));
  const schedule = runList(g, rest, workers, g.order, depsOf, lock);
  const makespan = schedule.reduce((m, s) => Math.max(m, s.end), 0);
  const unlocked = lock.held > 0 ? runList(g, rest, workers, g.order, depsOf).reduce((m, s) => Math.max(m, s.end), 0) : makespan;

  // Stage barrier: each stage starts when the previous one has completely finished.
  const stage = new Int32Array(g.ids.length);
  const byStage: number[][] = [];
  for (const v of g.order) {
    stage[v] = g.deps[v].reduce((s, d) => Math.max(s, stage[d] + 1), 0);
    (byStage[stage[v]] ??= []).push(v);
  }
  let barrier = 0;
  for (const members of byStage) {
    const part = runList(g, rest, workers, members, () => []);
    barrier += part.reduce((m, s) => Math.max(m, s.end), 0);
  }

  const critical = g.order.reduce((m, v) => Math.max(m, rest[v]), 0);
  const total = g.order.reduce((sum, v) => sum + g.hours[v], 0);
  return {
    workers,
    makespanHours: roundHours(makespan),
    makespanWithoutConflictLocksHours: roundHours(unlocked),
    heldByConflicts: lock.held,
    lowerBoundHours: roundHours(Math.max(critical, total / workers)),
    stageBarrierHours: roundHours(barrier),
    schedule: schedule.map((s) => ({ task: g.ids[s.v], worker: s.worker, start: roundHours(s.start), end: roundHours(s.end) })),
  };
}

/** Event-driven list scheduling of `members` on `workers` machines; `depsOf` says what each waits for. */
function runList(
  g: IndexedGraph,
  rest: Float64Array,
  workers: number,
  members: number[],
  depsOf: (v: number) => number[],
  lock?: ConflictLock,
): Array<{ v: number; worker: number; start: number; end: number }> {
  const inSet = new Set(members);
  const waiting = new Map<number, number>();
  const ready = new MinHeap(priorityOrder(rest));
  for (const v of members) {
    const count = depsOf(v).length;
    waiting.set(v, count);
    if (count === 0) ready.push(v);
  }
  const freeWorkers = new MinHeap(); // lowest worker number first, for a stable picture
  for (let w = 1; w <= workers; w++) freeWorkers.push(w);
  // Running tasks ordered by end time, then plan order.
  const ends: Array<{ v: number; worker: number; start: number; end: number }> = [];
  const running = new MinHeap((a, b) => ends[a].end < ends[b].end || (ends[a].end === ends[b].end && ends[a].v < ends[b].v));
  let now = 0;
  while (ready.size > 0 || running.size > 0) {
    const held: number[] = []; // held by a running task they may conflict with; back in the queue after
    while (ready.size > 0 && freeWorkers.size > 0) {
      const v = ready.pop();
      if (lock && !lock.free(v)) {
        held.push(v);
        continue;
      }
      lock?.take(v);
      ends.push({ v, worker: freeWorkers.pop(), start: now, end: now + g.hours[v] });
      running.push(ends.length - 1);
    }
    for (const v of held) ready.push(v);
    if (running.size === 0) break;
    // Retire everything that ends at this instant before choosing what starts next.
    now = ends[running.peek()].end;
    while (running.size > 0 && ends[running.peek()].end === now) {
      const done = ends[running.pop()];
      freeWorkers.push(done.worker);
      lock?.release(done.v);
      for (const w of g.dependents[done.v]) {
        if (!inSet.has(w)) continue;
        const left = waiting.get(w)! - 1;
        waiting.set(w, left);
        if (left === 0) ready.push(w);
      }
    }
  }
  return ends;
}

/**
 * The live scheduler's conflict lock (run/scheduler.ts) on the virtual clock: a task waits while a task it
 * may conflict with runs, when both are `conflicts: serialize`. Counts per group keep each check short.
 */
class ConflictLock {
  /** Per task: its groups, and whether it lists the group's path itself. */
  private readonly memberships: Array<Array<{ group: number; lists: boolean }>>;
  private readonly runningAll: Int32Array;
  private readonly runningListers: Int32Array;
  private readonly heldOnce = new Set<number>();

  constructor(plan: Plan, g: IndexedGraph, groups: readonly ConflictGroup[]) {
    const index = new Map(g.ids.map((id, i) => [id, i]));
    const serialize = plan.tasks.map((t) => (t.conflicts ?? plan.defaults.conflicts) === 'serialize');
    this.memberships = g.ids.map(() => []);
    groups.forEach((group, k) => {
      const listing = new Set(group.listing);
      for (const id of group.tasks) {
        const v = index.get(id)!;
        if (serialize[v]) this.memberships[v].push({ group: k, lists: listing.has(id) });
      }
    });
    this.runningAll = new Int32Array(groups.length);
    this.runningListers = new Int32Array(groups.length);
  }

  get held(): number {
    return this.heldOnce.size;
  }

  free(v: number): boolean {
    for (const { group, lists } of this.memberships[v]) {
      if ((lists ? this.runningAll[group] : this.runningListers[group]) > 0) {
        this.heldOnce.add(v);
        return false;
      }
    }
    return true;
  }

  take(v: number): void {
    for (const { group, lists } of this.memberships[v]) {
      this.runningAll[group]++;
      if (lists) this.runningListers[group]++;
    }
  }

  release(v: number): void {
    for (const { group, lists } of this.memberships[v]) {
      this.runningAll[group]--;
      if (lists) this.runningListers[group]--;
    }
  }
}
