// File conflicts, grouped by what is contested. Two tasks conflict when neither reaches the other through
// dependencies (they may run at the same time) and their `files` can touch a common path. Work is done per
// distinct pattern, never per pair of tasks, so a plan where thousands of tasks share a file costs about as
// much as one where none do; the pair list is only built on request (conflictPairs).
import { formatHours } from '../plan/durations';
import type { Plan, PlanDiagnostic } from '../plan/model';
import picomatch from 'picomatch';
import { compileGlob, globsOverlap, type CompiledGlob } from './globOverlap';

/**
 * Tasks that may run at the same time (neither depends on the other, even through other tasks) and may
 * touch `path`. `baton analyze --json` writes these as they are; README documents the shape.
 */
export interface ConflictGroup {
  /** The contested path or pattern, as the plan writes it. */
  path: string;
  /** `path` and the narrower `files` entries of these tasks that meet it (`src/shared/db.ts` under `src/shared/*.ts`). */
  patterns: string[];
  /** Every task in at least one conflict here, in plan order. */
  tasks: string[];
  /** Of `tasks`, those whose `files` list `path` itself: each may collide with every other task here; the others only with these. */
  listing: string[];
  /** How many pairs of these tasks may run at the same time. */
  pairs: number;
  suggestion: ConflictSuggestion;
}

/** An order for a group's tasks that removes its conflicts, and the dependencies to add for it (few as found). */
export interface ConflictSuggestion {
  /** The tasks in the suggested order. */
  order: string[];
  /** `task` should depend on `dependsOn`: one per pair of neighbours in `order` not already ordered. */
  deps: Array<{ task: string; dependsOn: string }>;
}

/** One conflicting pair; only built on request (`baton analyze --conflict-pairs`). */
export interface Conflict {
  /** Two tasks that may run at the same time, in plan order. */
  tasks: [string, string];
  /** The patterns (from either task) that can match a common path. */
  patterns: string[];
  /** A dependency that would serialise them, e.g. `make "b" depend on "a"`. */
  suggestion: string;
}

/** The dependency graph as index arrays; shared by analysis, the conflict search and the scheduler. */
export interface IndexedGraph {
  ids: string[];
  hours: number[];
  deps: number[][];
  dependents: number[][];
  /** Topological order as indexes, ties by plan order. */
  order: number[];
}

/** Above this many tasks in one group, the suggested order is the plan's order (quadratic search skipped). */
const GREEDY_LIMIT = 2000;

/** Reachability through dependencies as bit rows: each task's ancestors and descendants. */
export interface Reach {
  reaches(from: number, to: number): boolean;
  /** How many tasks set in `mask` are ordered with `v` (before or after it). */
  orderedWithin(v: number, mask: Uint32Array): number;
  words: number;
}

export function reachability(g: IndexedGraph): Reach {
  const n = g.ids.length;
  const words = (n + 31) >>> 5;
  const ancestors = new Uint32Array(words * n);
  let descendants: Uint32Array | undefined; // only large groups need them: made on first use
  const fill = (rows: Uint32Array, v: number, from: number[]) => {
    const row = v * words;
    for (const d of from) {
      const drow = d * words;
      for (let k = 0; k < words; k++) rows[row + k] |= rows[drow + k];
      rows[row + (d >>> 5)] |= 1 << (d & 31);
    }
  };
  for (const v of g.order) fill(ancestors, v, g.deps[v]);
  return {
    words,
    reaches: (from, to) => (ancestors[to * words + (from >>> 5)] & (1 << (from & 31))) !== 0,
    orderedWithin(v, mask) {
      if (!descendants) {
        descendants = new Uint32Array(words * n);
        for (let i = g.order.length - 1; i >= 0; i--) fill(descendants, g.order[i], g.dependents[g.order[i]]);
      }
      let count = 0;
      const row = v * words;
      for (let k = 0; k < words; k++) {
        const m = mask[k];
        if (m !== 0) count += popcount((ancestors[row + k] | descendants![row + k]) & m);
      }
      return count;
    },
  };
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

interface Pattern {
  glob: CompiledGlob;
  /** picomatch's matcher for a glob, made on first use. */
  matcher?: (path: string) => boolean;
  /** Tasks (ordered ones only) that list it, ascending. */
  tasks: number[];
  /** Narrower patterns that meet this one (their pairs with it are reported in this pattern's group). */
  narrower: Pattern[];
  depth: number;
}

/**
 * One group per contested pattern. A pair of overlapping patterns is reported under the broader one (a glob
 * before a plain path, a shorter fixed folder before a longer one), so `src/shared/*.ts` gathers the tasks
 * that list `src/shared/db.ts` too, and a path shared by many tasks is one group, not a pair per two tasks.
 */
export function findConflictGroups(plan: Plan, g: IndexedGraph, reach: Reach): ConflictGroup[] {
  const n = g.ids.length;
  const position = new Int32Array(n).fill(-1); // topological position; -1 for tasks on or after a cycle
  g.order.forEach((v, i) => (position[v] = i));

  const patterns = new Map<string, Pattern>();
  plan.tasks.forEach((t, task) => {
    if (position[task] < 0) return;
    for (const source of new Set(t.files)) {
      if (!source.trim() || source.startsWith('!')) continue;
      let p = patterns.get(source);
      if (!p) {
        const glob = compileGlob(source);
        patterns.set(source, (p = { glob, tasks: [], narrower: [], depth: glob.base === '' ? 0 : glob.base.split('/').length }));
      }
      p.tasks.push(task);
    }
  });

  // Overlapping distinct patterns, found through an index on each glob's fixed folder: two patterns can
  // only meet if one folder is a prefix of the other, and two plain paths only if they are equal.
  const byBase = new Map<string, { plain: Pattern[]; globs: Pattern[] }>();
  for (const p of patterns.values()) {
    let slot = byBase.get(p.glob.base);
    if (!slot) byBase.set(p.glob.base, (slot = { plain: [], globs: [] }));
    (p.glob.isGlob ? slot.globs : slot.plain).push(p);
  }
  const link = (x: Pattern, y: Pattern) => {
    if (x === y || !overlap(x, y)) return;
    const [broad, narrow] = broader(x, y) ? [x, y] : [y, x];
    broad.narrower.push(narrow);
  };
  for (const [base, { plain, globs }] of byBase) {
    const same = new Map<string, Pattern>(); // `./src/a.ts` and `src/a.ts` are one path
    for (const p of plain) {
      const path = p.glob.alternatives[0].join('/');
      const first = same.get(path);
      if (first) link(first, p);
      else same.set(path, p);
    }
    for (let i = 0; i < globs.length; i++) {
      for (let j = i + 1; j < globs.length; j++) link(globs[i], globs[j]);
      for (const p of plain) link(globs[i], p);
    }
    for (const ancestor of prefixes(base)) {
      const other = byBase.get(ancestor);
      if (!other) continue;
      for (const x of other.globs) {
        for (const y of globs) link(x, y);
        for (const y of plain) link(x, y);
      }
    }
  }

  const groups: ConflictGroup[] = [];
  for (const p of patterns.values()) {
    const group = groupOf(g, reach, position, p);
    if (group) groups.push(group);
  }
  agreeOnOrder(g, reach, groups);
  // Most contested first; then by path, so the output is stable.
  return groups.sort((a, b) => b.pairs - a.pairs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function groupOf(g: IndexedGraph, reach: Reach, position: Int32Array, p: Pattern): ConflictGroup | undefined {
  // Members in topological order: a later task can never reach an earlier one.
  const listing = new Set(p.tasks);
  const all = new Set(p.tasks);
  for (const q of p.narrower) for (const t of q.tasks) all.add(t);
  if (all.size < 2) return undefined;
  const members = [...all].sort((a, b) => position[a] - position[b]);
  const m = members.length;
  const involved = new Uint8Array(m);
  let pairs = 0;
  if (m <= 2 * reach.words) {
    for (let i = 0; i < m; i++) {
      const x = members[i];
      const xLists = listing.has(x);
      for (let j = i + 1; j < m; j++) {
        const y = members[j];
        if ((xLists || listing.has(y)) && !reach.reaches(x, y)) {
          pairs++;
          involved[i] = involved[j] = 1;
        }
      }
    }
  } else {
    // Large group: count, for each task, the rivals it is not ordered with, by bit rows (each pair twice).
    const everyone = new Uint32Array(reach.words);
    const listers = new Uint32Array(reach.words);
    for (const t of members) everyone[t >>> 5] |= 1 << (t & 31);
    for (const t of listing) listers[t >>> 5] |= 1 << (t & 31);
    let twice = 0;
    members.forEach((t, i) => {
      const lists = listing.has(t);
      const rivals = lists ? m - 1 : listing.size;
      const free = rivals - reach.orderedWithin(t, lists ? everyone : listers);
      if (free > 0) involved[i] = 1;
      twice += free;
    });
    pairs = twice / 2;
  }
  if (pairs === 0) return undefined;
  const chosen = members.filter((_, i) => involved[i]);
  const order = chosen.length <= GREEDY_LIMIT ? greedyChain(chosen, reach) : chosen;
  const inPlanOrder = [...chosen].sort((a, b) => a - b);
  const chosenSet = new Set(chosen);
  const used = new Set<string>([p.glob.source]);
  for (const q of p.narrower) if (q.tasks.some((t) => chosenSet.has(t))) used.add(q.glob.source);
  return {
    path: p.glob.source,
    patterns: [...used],
    tasks: inPlanOrder.map((t) => g.ids[t]),
    listing: inPlanOrder.filter((t) => listing.has(t)).map((t) => g.ids[t]),
    pairs,
    suggestion: suggestion(g, reach, order),
  };
}

function suggestion(g: IndexedGraph, reach: Reach, order: number[]): ConflictGroup['suggestion'] {
  const deps: Array<{ task: string; dependsOn: string }> = [];
  for (let k = 1; k < order.length; k++) {
    if (!reach.reaches(order[k - 1], order[k])) deps.push({ task: g.ids[order[k]], dependsOn: g.ids[order[k - 1]] });
  }
  return { order: order.map((t) => g.ids[t]), deps };
}

/**
 * Each group's fewest dependencies are found on its own, so two groups can disagree (one puts a before b,
 * another b before a) and adding every suggestion at once would make a cycle. When they do, every group
 * takes the plan's topological order instead: all suggestions then point the same way and can all be added.
 */
function agreeOnOrder(g: IndexedGraph, reach: Reach, groups: ConflictGroup[]): void {
  const index = new Map(g.ids.map((id, i) => [id, i]));
  const n = g.ids.length;
  const extra: number[][] = g.ids.map(() => []);
  for (const group of groups) for (const d of group.suggestion.deps) extra[index.get(d.dependsOn)!].push(index.get(d.task)!);
  const missing = new Int32Array(n);
  for (let v = 0; v < n; v++) for (const w of [...g.dependents[v], ...extra[v]]) missing[w]++;
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (missing[v] === 0) queue.push(v);
  let seen = 0;
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    seen++;
    for (const w of [...g.dependents[v], ...extra[v]]) if (--missing[w] === 0) queue.push(w);
  }
  if (seen >= g.order.length) return; // every task that could be ordered still can (those on a plan cycle never could)
  const chained = chainOrder(g);
  for (const group of groups) {
    const order = group.suggestion.order.map((id) => index.get(id)!).sort((a, b) => chained[a] - chained[b]);
    group.suggestion = suggestion(g, reach, order);
  }
}

/**
 * A topological position per task that keeps chains together: reverse post-order of a depth-first walk
 * (roots and dependents in plan order), so a task tends to come right before what depends on it. Sorting a
 * group by it needs few added dependencies, and all groups agree.
 */
function chainOrder(g: IndexedGraph): Int32Array {
  const n = g.ids.length;
  const done = new Uint8Array(n);
  const post: number[] = [];
  for (let root = n - 1; root >= 0; root--) {
    if (done[root] || g.deps[root].length > 0) continue;
    const stack: Array<[number, number]> = [[root, 0]];
    done[root] = 1;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const next = g.dependents[frame[0]];
      if (frame[1] < next.length) {
        const w = next[next.length - 1 - frame[1]++];
        if (!done[w]) {
          done[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        post.push(frame[0]);
        stack.pop();
      }
    }
  }
  const position = new Int32Array(n).fill(n);
  for (let i = post.length - 1, p = 0; i >= 0; i--, p++) position[post[i]] = p;
  return position;
}

/**
 * A linear extension of the members' dependency order that continues an existing chain whenever it can, so
 * that few dependencies must be added between consecutive tasks. (The exact minimum, the poset's "jump
 * number", is NP-hard in general; this greedy is exact for series-parallel orders such as independent
 * tasks, chains and fan-outs.)
 */
function greedyChain(members: number[], reach: Reach): number[] {
  const m = members.length;
  const waiting = new Int32Array(m); // earlier members that must come first
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) if (reach.reaches(members[i], members[j])) waiting[j]++;
  const placed = new Uint8Array(m);
  const order: number[] = [];
  let last = -1;
  for (let step = 0; step < m; step++) {
    let pick = -1;
    for (let i = 0; i < m; i++) {
      if (placed[i] || waiting[i] > 0) continue;
      if (pick === -1) pick = i;
      if (last !== -1 && reach.reaches(members[last], members[i])) {
        pick = i;
        break;
      }
    }
    placed[pick] = 1;
    order.push(members[pick]);
    for (let j = pick + 1; j < m; j++) if (!placed[j] && reach.reaches(members[pick], members[j])) waiting[j]--;
    last = pick;
  }
  return order;
}

/** Glob against plain path is picomatch's own question (and most of a plan's); two globs need globOverlap. */
function overlap(x: Pattern, y: Pattern): boolean {
  if (x.glob.isGlob && y.glob.isGlob) return globsOverlap(x.glob, y.glob);
  const [glob, plain] = x.glob.isGlob ? [x, y] : [y, x];
  if (!glob.glob.isGlob) return glob.glob.alternatives[0].join('/') === plain.glob.alternatives[0].join('/');
  glob.matcher ??= picomatch(
    glob.glob.alternatives.map((a) => a.join('/')),
    { dot: true },
  );
  return glob.matcher(plain.glob.alternatives[0].join('/'));
}

/** Is x the broader of two overlapping patterns (the group their conflicts are reported in)? */
function broader(x: Pattern, y: Pattern): boolean {
  if (x.glob.isGlob !== y.glob.isGlob) return x.glob.isGlob;
  if (x.depth !== y.depth) return x.depth < y.depth;
  if (x.glob.source.length !== y.glob.source.length) return x.glob.source.length < y.glob.source.length;
  return x.glob.source < y.glob.source;
}

/** Proper prefixes of a base path, by segment: `a/b/c` -> ``, `a`, `a/b`. */
function prefixes(base: string): string[] {
  if (base === '') return [];
  const parts = base.split('/');
  const out = [''];
  for (let k = 1; k < parts.length; k++) out.push(parts.slice(0, k).join('/'));
  return out;
}

/**
 * Every conflicting pair, for `--conflict-pairs`: as many as there are pairs, so only on request. Each pair
 * lists the entries of either task that meet, and the dependency that would serialise the two.
 */
export function conflictPairs(plan: Plan, g: IndexedGraph, reach: Reach, groups: readonly ConflictGroup[]): Conflict[] {
  const n = g.ids.length;
  const index = new Map(g.ids.map((id, i) => [id, i]));
  const position = new Int32Array(n);
  g.order.forEach((v, i) => (position[v] = i));
  const found = new Map<number, [Set<string>, Set<string>]>();
  for (const group of groups) {
    const listing = new Set(group.listing.map((id) => index.get(id)!));
    const members = group.tasks.map((id) => index.get(id)!);
    const patterns = new Set(group.patterns);
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const [a, b] = [members[i], members[j]];
        if (!listing.has(a) && !listing.has(b)) continue;
        if (reach.reaches(a, b) || reach.reaches(b, a)) continue;
        const key = a * n + b;
        let sides = found.get(key);
        if (!sides) found.set(key, (sides = [new Set(), new Set()]));
        for (const f of plan.tasks[a].files) if (patterns.has(f)) sides[0].add(f);
        for (const f of plan.tasks[b].files) if (patterns.has(f)) sides[1].add(f);
      }
    }
  }
  return [...found.entries()]
    .sort((p, q) => p[0] - q[0])
    .map(([key, sides]) => {
      const a = Math.floor(key / n);
      const b = key % n;
      const [first, second] = position[a] <= position[b] ? [a, b] : [b, a];
      return {
        tasks: [g.ids[a], g.ids[b]] as [string, string],
        patterns: [...new Set([...sides[0], ...sides[1]])],
        suggestion: `make "${g.ids[second]}" depend on "${g.ids[first]}" (adds up to ${formatHours(g.hours[first])} before it can start)`,
      };
    });
}

/** Per task, the groups it is in: what the Tasks view, the Problems panel and the scheduler look up. */
export function conflictsByTask(groups: readonly ConflictGroup[]): Map<string, ConflictGroup[]> {
  const out = new Map<string, ConflictGroup[]>();
  for (const group of groups) {
    for (const id of group.tasks) {
      let list = out.get(id);
      if (!list) out.set(id, (list = []));
      list.push(group);
    }
  }
  return out;
}

/** The other tasks of a group that `task` may collide with: everyone if it lists the path, else the listers. */
export function rivalsIn(group: ConflictGroup, task: string): string[] {
  const lists = group.listing.includes(task);
  return (lists ? group.tasks : group.listing).filter((t) => t !== task);
}

/** A dependency to add: `task` should depend on `dependsOn`. */
export interface DependencyFix {
  task: string;
  dependsOn: string;
}

/** A conflict as a plan warning at a `files` entry, with the dependency that would remove it. */
export interface ConflictWarning extends PlanDiagnostic {
  fix?: DependencyFix;
}

/** The Problems panel shows at most this many conflict warnings; the analysis lists them all. */
export const MAX_CONFLICT_WARNINGS = 1000;

/**
 * One warning per `files` entry that is contested, on each task in a group: it names a task it may run
 * alongside and carries the group's suggested dependency for this task (or, if the order needs none from
 * it, the one that separates it from its neighbour).
 */
export function conflictWarnings(plan: Plan, groups: readonly ConflictGroup[]): ConflictWarning[] {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const policy = (t: Plan['tasks'][number] | undefined) => t?.conflicts ?? plan.defaults.conflicts;
  const seen = new Set<string>();
  const out: ConflictWarning[] = [];
  for (const group of groups) {
    const patterns = new Set(group.patterns);
    const asTask = new Map<string, DependencyFix>();
    const asDep = new Map<string, DependencyFix>();
    for (const d of group.suggestion.deps) {
      if (!asTask.has(d.task)) asTask.set(d.task, d);
      if (!asDep.has(d.dependsOn)) asDep.set(d.dependsOn, d);
    }
    for (const id of group.tasks) {
      const task = byId.get(id);
      if (!task) continue;
      const fix = asTask.get(id) ?? asDep.get(id);
      const other = fix ? (fix.task === id ? fix.dependsOn : fix.task) : rivalsIn(group, id)[0];
      const more = rivalsIn(group, id).length - 1;
      const also = more > 0 ? ` (and ${more} more task${more === 1 ? '' : 's'})` : '';
      task.files.forEach((entry, i) => {
        if (!patterns.has(entry) || out.length >= MAX_CONFLICT_WARNINGS) return;
        const key = `${id}\n${i}`;
        if (seen.has(key)) return;
        seen.add(key);
        const advice = fix ? `Make "${fix.task}" depend on "${fix.dependsOn}" to order them` : 'Add a dependency between them to order them';
        const serialized = policy(task) === 'serialize' && (!other || policy(byId.get(other)) === 'serialize');
        out.push({
          code: 'file-conflict',
          severity: 'warning',
          message:
            `"${id}" may touch ${group.path} at the same time as "${other}"${also}: their merges may conflict. ${advice}` +
            (serialized ? '; until then Baton starts them one at a time.' : ' (`conflicts: allow` lets them run together).'),
          file: plan.file,
          span: task.fileSpans?.[i] ?? task.span,
          fix,
        });
      });
    }
  }
  return out;
}
