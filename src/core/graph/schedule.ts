// The scheduling policy Baton's live scheduler uses, run on a virtual clock with estimates: a ready queue
// fed as each dependency completes (not stage by stage), highest "longest remaining path" first.
import { roundHours } from '../plan/durations';
import type { Plan } from '../plan/model';
import { indexGraph, type IndexedGraph } from './analysis';
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
  makespanHours: number;
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

  const schedule = runList(g, rest, workers, g.order, (v) => g.deps[v].filter((d) => inOrder[d]));
  const makespan = schedule.reduce((m, s) => Math.max(m, s.end), 0);

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
    while (ready.size > 0 && freeWorkers.size > 0) {
      const v = ready.pop();
      ends.push({ v, worker: freeWorkers.pop(), start: now, end: now + g.hours[v] });
      running.push(ends.length - 1);
    }
    if (running.size === 0) break;
    // Retire everything that ends at this instant before choosing what starts next.
    now = ends[running.peek()].end;
    while (running.size > 0 && ends[running.peek()].end === now) {
      const done = ends[running.pop()];
      freeWorkers.push(done.worker);
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
