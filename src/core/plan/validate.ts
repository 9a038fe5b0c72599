// Checks that need the whole task list: ids, duplicates, unknown dependencies, cycles.
// Shared by the YAML and Markdown readers, so both formats get the same rules and messages.
import { distance } from 'fastest-levenshtein';
import { PERSONA_PATTERN, TASK_ID_PATTERN, type Plan, type PlanDiagnostic, type Span } from './model';

export function validatePlan(plan: Plan, diagnostics: PlanDiagnostic[]): void {
  const error = (code: string, span: Span, message: string, tasks?: string[]) =>
    diagnostics.push({ code, severity: 'error', message, file: plan.file, span, ...(tasks ? { tasks } : {}) });

  const byId = new Map<string, number>();
  const kept: typeof plan.tasks = [];
  for (const task of plan.tasks) {
    if (!TASK_ID_PATTERN.test(task.id)) {
      error(
        'invalid-id',
        task.span,
        `Task id ${JSON.stringify(task.id)} is not allowed: ids become branch and folder names, so use 1 to 64 characters ` +
          `from a-z, 0-9, ".", "_" and "-", starting with a letter or digit, without "..", and not ending in "." or ".lock" ` +
          `(e.g. ${JSON.stringify(suggestId(task.id))}).`,
      );
      continue; // a hostile id must never reach a branch name, a path or a terminal
    }
    const first = byId.get(task.id);
    if (first !== undefined) {
      error(
        'duplicate-id',
        task.span,
        `Task id "${task.id}" is already used by the task at line ${kept[first].span.start.line}. Give each task its own id.`,
        [task.id],
      );
      continue;
    }
    byId.set(task.id, kept.length);
    kept.push(task);
  }
  plan.tasks = kept;
  // A persona names a prompt file (.baton/personas/<name>.md): never let plan text become a path.
  const personaProblem = (name: string) =>
    `Persona ${JSON.stringify(name)} is not allowed: persona names become file names, so use 1 to 64 characters from a-z, 0-9, ".", "_" and "-", ` +
    'starting with a letter or digit (built-in: manager, architect, engineer, intern, reviewer).';
  for (const task of kept) {
    if (task.persona !== undefined && !PERSONA_PATTERN.test(task.persona)) {
      error('invalid-persona', task.span, personaProblem(task.persona));
      task.persona = undefined;
    }
  }
  if (plan.defaults.persona !== undefined && !PERSONA_PATTERN.test(plan.defaults.persona)) {
    error('invalid-persona', { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, personaProblem(plan.defaults.persona));
    plan.defaults.persona = undefined;
  }
  if (kept.length === 0 && !diagnostics.some((d) => d.severity === 'error')) {
    error('empty-plan', { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, 'The plan has no tasks. Add a task with an `id` and a `title`.');
  }

  // Unknown and self dependencies are reported and dropped, so analysis sees a clean graph.
  let sortedIds: string[] | undefined;
  for (const task of kept) {
    const deps: string[] = [];
    const spans: Span[] = [];
    const seen = new Set<string>();
    task.deps.forEach((dep, i) => {
      const span = task.depSpans[i] ?? task.span;
      if (dep === task.id) {
        error('self-dependency', span, `Task "${task.id}" depends on itself. Remove "${dep}" from its deps.`, [task.id]);
      } else if (!byId.has(dep)) {
        sortedIds ??= [...byId.keys()];
        const close = closestIds(dep, sortedIds);
        const hint = close.length > 0 ? `Did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : 'Check the spelling, or add a task with that id.';
        error('unknown-dependency', span, `Task "${task.id}" depends on "${dep}", which is not a task in this plan. ${hint}`, [task.id]);
      } else if (!seen.has(dep)) {
        seen.add(dep);
        deps.push(dep);
        spans.push(span);
      }
    });
    task.deps = deps;
    task.depSpans = spans;
  }

  for (const cycle of findCycles(plan)) {
    const first = plan.tasks[byId.get(cycle[0])!];
    const span = first.depSpans[first.deps.indexOf(cycle[1] ?? cycle[0])] ?? first.span;
    error(
      'cycle',
      span,
      `Dependency cycle: ${[...cycle, cycle[0]].join(' -> ')}. Remove one of these dependencies so the tasks can be ordered.`,
      cycle,
    );
  }
}

/** One cycle per strongly connected component, each as the ids along it (first id not repeated). */
export function findCycles(plan: Plan): string[][] {
  const n = plan.tasks.length;
  const index = new Map(plan.tasks.map((t, i) => [t.id, i]));
  const edges = plan.tasks.map((t) => t.deps.map((d) => index.get(d)).filter((i): i is number => i !== undefined));
  // Tarjan's algorithm, iterative so a 10,000-task chain cannot overflow the stack.
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    const work: Array<[number, number]> = [[root, 0]];
    order[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, next] = frame;
      if (next < edges[v].length) {
        frame[1]++;
        const w = edges[v][next];
        if (order[w] === -1) {
          order[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], order[w]);
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === order[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) components.push(component);
      }
    }
  }
  return components
    .map((c) => cycleWithin(new Set(c), edges).map((i) => plan.tasks[i].id))
    .sort((a, b) => index.get(a[0])! - index.get(b[0])!);
}

/** A simple cycle inside one strongly connected component, starting at its first task in plan order. */
function cycleWithin(members: Set<number>, edges: number[][]): number[] {
  const start = Math.min(...members);
  // Breadth-first from start along edges inside the component, back to start: the shortest cycle through it.
  const parent = new Map<number, number>([[start, -1]]);
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (const w of edges[v]) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path: number[] = [];
        for (let x = v; x !== -1; x = parent.get(x)!) path.push(x);
        return path.reverse();
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

export function closestIds(id: string, ids: string[]): string[] {
  // About one edit in three, and never "everything is different" (b is not a typo of a).
  const limit = Math.max(1, Math.floor(id.length / 3));
  return ids
    .map((candidate) => ({ candidate, d: distance(id, candidate) }))
    .filter((c) => c.d <= limit && c.d < Math.max(id.length, c.candidate.length))
    .sort((a, b) => a.d - b.d || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map((c) => c.candidate);
}

function suggestId(id: string): string {
  const slug = id
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/\.{2,}/g, '.')
    .slice(0, 64)
    .replace(/(\.lock)+$/, '')
    .replace(/[.-]+$/, '');
  return slug || 'task-1';
}
