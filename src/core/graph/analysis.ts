// Analysis of a parsed plan: order, stages, critical path, parallelism, file conflicts.
// Everything works on array indexes (plan order) so a 10,000-task plan analyses in milliseconds.
import { formatHours, roundHours } from '../plan/durations';
import type { Plan } from '../plan/model';
import { compileGlob, globsOverlap, type CompiledGlob } from './globOverlap';
import { MinHeap } from './minHeap';

export interface CriticalPath {
  tasks: string[];
  hours: number;
}

export interface Conflict {
  /** Two tasks that may run at the same time, in plan order. */
  tasks: [string, string];
  /** The patterns (from either task) that can match a common path. */
  patterns: string[];
  /** A dependency that would serialise them, e.g. `make "b" depend on "a"`. */
  suggestion: string;
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
  conflicts: Conflict[];
  totalHours: number;
}

/** The dependency graph as index arrays; shared by analysis and the scheduler. */
export interface IndexedGraph {
  ids: string[];
  hours: number[];
  deps: number[][];
  dependents: number[][];
  /** Topological order as indexes, ties by plan order. */
  order: number[];
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

export function analyzePlan(plan: Plan): Analysis {
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

  return {
    order: g.order.map((v) => g.ids[v]),
    stages,
    stageOf,
    criticalPath: { tasks: path, hours: end === -1 ? 0 : roundHours(finish[end]) },
    maxParallelism: stages.reduce((m, s) => Math.max(m, s.length), 0),
    conflicts: findConflicts(plan, g),
    totalHours: roundHours(g.hours.reduce((a, b) => a + b, 0)),
  };
}

/**
 * Pairs of tasks that may run at the same time (neither reaches the other through dependencies) and whose
 * `files` can touch a common path. Candidates come from an index on each glob's fixed base directory: two
 * globs can only meet if one base is a prefix of the other.
 */
function findConflicts(plan: Plan, g: IndexedGraph): Conflict[] {
  const n = g.ids.length;
  // Ancestor sets as bit rows, filled in topological order: one OR per dependency edge.
  const words = (n + 31) >>> 5;
  const ancestors = new Uint32Array(words * n);
  for (const v of g.order) {
    const row = v * words;
    for (const d of g.deps[v]) {
      const drow = d * words;
      for (let k = 0; k < words; k++) ancestors[row + k] |= ancestors[drow + k];
      ancestors[row + (d >>> 5)] |= 1 << (d & 31);
    }
  }
  const ordered = new Uint8Array(n); // tasks on or after a cycle have no meaningful order: skip them
  for (const v of g.order) ordered[v] = 1;
  const reaches = (from: number, to: number) => (ancestors[to * words + (from >>> 5)] & (1 << (from & 31))) !== 0;

  // Each distinct pattern is compiled once and numbered, so pair checks are cached by number.
  type Entry = { task: number; glob: CompiledGlob; id: number };
  const compiled = new Map<string, { glob: CompiledGlob; id: number }>();
  const byBase = new Map<string, Entry[]>();
  plan.tasks.forEach((t, task) => {
    if (!ordered[task]) return;
    for (const pattern of new Set(t.files)) {
      if (!pattern.trim() || pattern.startsWith('!')) continue;
      let c = compiled.get(pattern);
      if (!c) compiled.set(pattern, (c = { glob: compileGlob(pattern), id: compiled.size }));
      const { glob, id } = c;
      let list = byBase.get(glob.base);
      if (!list) byBase.set(glob.base, (list = []));
      list.push({ task, glob, id });
    }
  });

  const overlapCache = new Map<number, boolean>();
  const overlaps = (x: Entry, y: Entry) => {
    if (x.id === y.id) return true; // the same pattern twice
    const key = x.id < y.id ? x.id * compiled.size + y.id : y.id * compiled.size + x.id;
    let hit = overlapCache.get(key);
    if (hit === undefined) overlapCache.set(key, (hit = globsOverlap(x.glob, y.glob)));
    return hit;
  };
  // Per pair (earlier task first), the overlapping patterns of each side.
  const found = new Map<number, [string[], string[]]>();
  const consider = (x: Entry, y: Entry) => {
    if (x.task === y.task || reaches(x.task, y.task) || reaches(y.task, x.task)) return;
    if (!overlaps(x, y)) return;
    const [a, b] = x.task < y.task ? [x, y] : [y, x];
    const key = a.task * n + b.task;
    let sides = found.get(key);
    if (!sides) found.set(key, (sides = [[], []]));
    if (!sides[0].includes(a.glob.source)) sides[0].push(a.glob.source);
    if (!sides[1].includes(b.glob.source)) sides[1].push(b.glob.source);
  };

  // Two plain paths meet only when equal, so they are paired through a map; only pairs with a wildcard
  // on at least one side need the glob check. (A plan lists far more plain paths than globs.)
  const split = new Map<string, { plain: Map<string, Entry[]>; globs: Entry[] }>();
  for (const [base, group] of byBase) {
    const plain = new Map<string, Entry[]>();
    const globs: Entry[] = [];
    for (const e of group) {
      if (e.glob.isGlob) globs.push(e);
      else {
        const same = plain.get(e.glob.alternatives[0].join('/'));
        if (same) same.push(e);
        else plain.set(e.glob.alternatives[0].join('/'), [e]);
      }
    }
    split.set(base, { plain, globs });
  }
  const pairAll = (xs: Entry[], ys: Entry[]) => {
    for (const x of xs) for (const y of ys) consider(x, y);
  };
  for (const [base, { plain, globs }] of split) {
    for (const same of plain.values()) for (let i = 0; i < same.length; i++) for (let j = i + 1; j < same.length; j++) consider(same[i], same[j]);
    for (let i = 0; i < globs.length; i++) for (let j = i + 1; j < globs.length; j++) consider(globs[i], globs[j]);
    for (const same of plain.values()) pairAll(globs, same);
    for (const ancestor of prefixes(base)) {
      const other = split.get(ancestor);
      if (!other) continue;
      pairAll(globs, other.globs);
      for (const same of other.plain.values()) pairAll(globs, same);
      for (const same of plain.values()) pairAll(same, other.globs);
    }
  }

  const position = new Int32Array(n);
  g.order.forEach((v, i) => (position[v] = i));
  return [...found.entries()]
    .sort((p, q) => p[0] - q[0])
    .map(([key, sides]) => {
      const a = Math.floor(key / n);
      const b = key % n;
      const inFileOrder = (task: number, some: string[]) => (some.length === 1 ? some : plan.tasks[task].files.filter((f) => some.includes(f)));
      const patterns = [...new Set([...inFileOrder(a, sides[0]), ...inFileOrder(b, sides[1])])];
      const [first, second] = position[a] <= position[b] ? [a, b] : [b, a];
      return {
        tasks: [g.ids[a], g.ids[b]] as [string, string],
        patterns,
        suggestion: `make "${g.ids[second]}" depend on "${g.ids[first]}" (adds up to ${formatHours(g.hours[first])} before it can start)`,
      };
    });
}

/** Proper prefixes of a base path, by segment: `a/b/c` -> ``, `a`, `a/b`. */
function prefixes(base: string): string[] {
  if (base === '') return [];
  const parts = base.split('/');
  const out = [''];
  for (let k = 1; k < parts.length; k++) out.push(parts.slice(0, k).join('/'));
  return out;
}
