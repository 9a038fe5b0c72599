// Analysis of a parsed plan: order, stages, critical path, parallelism, file conflicts.
// Everything works on array indexes (plan order) so a 10,000-task plan analyses in milliseconds.
import { roundHours } from '../plan/durations';
import type { Plan } from '../plan/model';
import { conflictPairs, findConflictGroups, reachability, type Conflict, type ConflictGroup, type IndexedGraph } from './conflicts';
import { MinHeap } from './minHeap';

// Declared with the conflict search, which needs them too; analysis is where callers look for them.
export type { Conflict, ConflictGroup, ConflictSuggestion, IndexedGraph } from './conflicts';

export interface CriticalPath {
  tasks: string[];
  hours: number;
}

export interface Analysis {
  /** Topological order; ties broken by plan order. Tasks on a cycle (and those after them) are left out. */
  order: string[];
  /** stages[0] holds tasks with no dependencies; a task's stage is 1 + its deepest dependency's. */
  stages: string[][];
  /** Stage index (0-based) per task id. */
  stageOf: Map<string, number>;
  criticalPath: CriticalPath;
  /** The most tasks that can run at once: the size of the widest stage. */
  maxParallelism: number;
  /** File conflicts grouped by what is contested, most contested first. */
  conflicts: ConflictGroup[];
  /** Every conflicting pair; only when analyzePlan was asked for them. */
  conflictPairs?: Conflict[];
  totalHours: number;
}

export interface AnalyzeOptions {
  /** Also list every conflicting pair (as many as pairs: thousands of tasks sharing a file make millions). */
  pairs?: boolean;
}

export function indexGraph(plan: Plan): IndexedGraph {
  const ids = plan.tasks.map((t) => t.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const deps = plan.tasks.map((t) => t.deps.map((d) => index.get(d)).filter((i): i is number => i !== undefined));
  const dependents: number[][] = ids.map(() => []);
  deps.forEach((ds, v) => ds.forEach((d) => dependents[d].push(v)));
  const missing = deps.map((ds) => ds.length);
  const heap = new MinHeap();
  missing.forEach((m, v) => m === 0 && heap.push(v));
  const order: number[] = [];
  while (heap.size > 0) {
    const v = heap.pop();
    order.push(v);
    for (const w of dependents[v]) if (--missing[w] === 0) heap.push(w);
  }
  return { ids, hours: plan.tasks.map((t) => t.hours), deps, dependents, order };
}

export function analyzePlan(plan: Plan, options: AnalyzeOptions = {}): Analysis {
  const g = indexGraph(plan);
  const n = g.ids.length;

  const stage = new Int32Array(n).fill(-1);
  const finish = new Float64Array(n);
  const via = new Int32Array(n).fill(-1);
  const stages: string[][] = [];
  for (const v of g.order) {
    let s = 0;
    let best = 0;
    for (const d of g.deps[v]) {
      s = Math.max(s, stage[d] + 1);
      if (finish[d] > best || (via[v] === -1 && finish[d] === best)) {
        best = finish[d];
        via[v] = d;
      }
    }
    stage[v] = s;
    finish[v] = best + g.hours[v];
    (stages[s] ??= []).push(g.ids[v]);
  }
  const stageOf = new Map<string, number>();
  for (const v of g.order) stageOf.set(g.ids[v], stage[v]);

  let end = -1;
  for (const v of g.order) if (end === -1 || finish[v] > finish[end]) end = v;
  const path: string[] = [];
  for (let v = end; v !== -1; v = via[v]) path.push(g.ids[v]);
  path.reverse();

  const reach = reachability(g);
  const conflicts = findConflictGroups(plan, g, reach);
  return {
    order: g.order.map((v) => g.ids[v]),
    stages,
    stageOf,
    criticalPath: { tasks: path, hours: end === -1 ? 0 : roundHours(finish[end]) },
    maxParallelism: stages.reduce((m, s) => Math.max(m, s.length), 0),
    conflicts,
    ...(options.pairs ? { conflictPairs: conflictPairs(plan, g, reach, conflicts) } : {}),
    totalHours: roundHours(g.hours.reduce((a, b) => a + b, 0)),
  };
}
