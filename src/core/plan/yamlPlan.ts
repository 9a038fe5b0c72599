// Reads a baton.yaml into the plan model, keeping where every value was written.
// Works on the yaml package's Document (not toJS) so each diagnostic can point at the exact node.
import { CORE_SCHEMA, load } from 'js-yaml';
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { CONFLICT_POLICIES, emptyPlan, type Complexity, type ConflictPolicy, type ParseResult, type PlanDiagnostic, type PlanDefaults, type SandboxMode, type Span, type Task } from './model';
import { parseDuration, parseEstimate } from './durations';
import { branchNameProblem } from './refNames';

const TOP_KEYS = new Set(['version', 'name', 'base', 'defaults', 'context', 'tasks']);
const DEFAULT_KEYS = new Set(['agent', 'gates', 'heartbeatTimeout', 'maxWorkers', 'conflicts', 'persona', 'sandbox']);
const CONTEXT_KEYS = new Set(['text', 'files']);
const TASK_KEYS = new Set([
  'id',
  'title',
  'description',
  'deps',
  'files',
  'estimate',
  'complexity',
  'persona',
  'gates',
  'agent',
  'conflicts',
  'sandbox',
]);
const COMPLEXITIES = new Set<Complexity>(['low', 'medium', 'high']);

/** Parses the YAML text with positions; graph-level checks (unknown deps, cycles) happen in validate.ts. */
export function readYamlPlan(text: string, file: string): ParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, keepSourceTokens: false });
  return readDocument(doc, file, (start, end) => {
    const s = lines.linePos(start);
    const e = lines.linePos(Math.max(start, end));
    return { start: { line: s.line, column: s.col }, end: { line: e.line, column: e.col } };
  });
}

/**
 * The quick read for large plans: js-yaml builds the values about ten times faster than the yaml package
 * composes a positioned Document, and the same reader walks them. Spans are unknown (line 0), so callers
 * re-read with readYamlPlan as soon as there is anything to report. Undefined when js-yaml cannot read it.
 */
export function readYamlPlanQuickly(text: string, file: string): ParseResult | undefined {
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA, filename: file });
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return readDocument(new Document(value), file, () => UNKNOWN_SPAN);
}

const UNKNOWN_SPAN: Span = { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } };

function readDocument(doc: Document, file: string, spanOf: (start: number, end: number) => Span): ParseResult {
  const diagnostics: PlanDiagnostic[] = [];
  const nodeSpan = (node: Node | null | undefined, fallback = 0): Span =>
    node?.range ? spanOf(node.range[0], node.range[1]) : spanOf(fallback, fallback);
  const report = (severity: PlanDiagnostic['severity'], code: string, span: Span, message: string) =>
    diagnostics.push({ code, severity, message, file, span });
  const error = (code: string, span: Span, message: string) => report('error', code, span, message);

  const plan = emptyPlan(file, 'yaml');

  for (const e of doc.errors) {
    error('yaml-syntax', spanOf(e.pos[0], e.pos[1]), `YAML syntax: ${firstLine(e.message)}. Fix the YAML so the plan can be read.`);
  }
  if (doc.errors.length > 0) return { plan, diagnostics };

  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    error('empty-plan', spanOf(0, 0), 'The plan is empty. Add `version: 1` and a `tasks:` list (Baton: Create Plan writes a sample).');
    return { plan, diagnostics };
  }
  if (!isMap(root)) {
    error('wrong-type', nodeSpan(root), 'A plan is a YAML mapping with `version`, `name`, `base`, `defaults` and `tasks`.');
    return { plan, diagnostics };
  }

  // Small readers that check type and report at the value's position.
  const str = (pair: Pair, what: string): string | undefined => {
    const v = pair.value as Node | null;
    if (isScalar(v) && (typeof v.value === 'string' || typeof v.value === 'number') && String(v.value) !== '') {
      return String(v.value);
    }
    error('wrong-type', nodeSpan(v, keyStart(pair)), `${what} must be a non-empty string.`);
    return undefined;
  };
  const strList = (pair: Pair, what: string): { values: string[]; spans: Span[] } => {
    const v = pair.value as Node | null;
    const values: string[] = [];
    const spans: Span[] = [];
    if (isScalar(v) && v.value === null) return { values, spans };
    if (!isSeq(v)) {
      error('wrong-type', nodeSpan(v, keyStart(pair)), `${what} must be a list, e.g. [a, b].`);
      return { values, spans };
    }
    for (const item of v.items as Node[]) {
      if (isScalar(item) && (typeof item.value === 'string' || typeof item.value === 'number')) {
        values.push(String(item.value));
        spans.push(nodeSpan(item));
      } else {
        error('wrong-type', nodeSpan(item, v.range?.[0] ?? 0), `Each entry of ${what} must be a string.`);
      }
    }
    return { values, spans };
  };
  const policy = (pair: Pair, what: string): ConflictPolicy | undefined => {
    const v = pair.value as Node | null;
    const value = isScalar(v) ? v.value : undefined;
    if (typeof value === 'string' && (CONFLICT_POLICIES as readonly string[]).includes(value)) return value as ConflictPolicy;
    error(
      'bad-value',
      nodeSpan(v, keyStart(pair)),
      `${what} must be \`serialize\` (never run two tasks that may touch the same files at once) or \`allow\`.`,
    );
    return undefined;
  };
  // `on` / `off` (true / false also read, as people write them); anything else is an error at the value.
  const sandbox = (pair: Pair, what: string): SandboxMode | undefined => {
    const v = pair.value as Node | null;
    const value = isScalar(v) ? v.value : undefined;
    if (value === 'on' || value === true) return 'on';
    if (value === 'off' || value === false) return 'off';
    error('bad-value', nodeSpan(v, keyStart(pair)), `${what} must be \`on\` (the worker's commands may write only inside its worktree and reach only the hosts you allow) or \`off\`.`);
    return undefined;
  };
  const unknownKey = (pair: Pair, where: string, allowed: Set<string>) =>
    report(
      'warning',
      'unknown-key',
      nodeSpan(pair.key as Node),
      `Unknown key "${keyName(pair)}" in ${where}; it is ignored. Known keys: ${[...allowed].join(', ')}.`,
    );

  let tasksPair: Pair | undefined;
  let sawVersion = false;
  for (const pair of root.items) {
    const key = keyName(pair);
    switch (key) {
      case 'version': {
        sawVersion = true;
        const v = pair.value as Node | null;
        if (!isScalar(v) || v.value !== 1) {
          error('bad-version', nodeSpan(v, keyStart(pair)), 'Unsupported plan version: write `version: 1`.');
        }
        break;
      }
      case 'name':
        plan.name = str(pair, '`name`') ?? '';
        break;
      case 'base': {
        const base = str(pair, '`base` (the branch worktrees start from)');
        const problem = base === undefined ? undefined : branchNameProblem(base);
        // A base git would refuse (or read as an option, e.g. `--output=x`) never reaches git.
        if (problem) error('invalid-base', nodeSpan(pair.value as Node | null, keyStart(pair)), `\`base\` ${JSON.stringify(base)} cannot be a branch name: ${problem}. Write the branch that worktrees start from, e.g. \`base: main\`.`);
        else if (base !== undefined) plan.base = base;
        break;
      }
      case 'defaults':
        readDefaults(pair, plan.defaults);
        break;
      case 'context':
        readContext(pair);
        break;
      case 'tasks':
        tasksPair = pair;
        break;
      default:
        unknownKey(pair, 'the plan', TOP_KEYS);
    }
  }
  if (!sawVersion) {
    report('warning', 'missing-field', spanOf(0, 0), 'The plan has no `version`; add `version: 1` at the top.');
  }

  function readDefaults(pair: Pair, out: PlanDefaults): void {
    const v = pair.value as Node | null;
    if (isScalar(v) && v.value === null) return;
    if (!isMap(v)) {
      error('wrong-type', nodeSpan(v, keyStart(pair)), '`defaults` must be a mapping (agent, gates, heartbeatTimeout, maxWorkers, conflicts, persona, sandbox).');
      return;
    }
    for (const p of v.items as Pair[]) {
      const key = keyName(p);
      const value = p.value as Node | null;
      switch (key) {
        case 'agent':
          out.agent = str(p, '`defaults.agent`') ?? out.agent;
          break;
        case 'gates':
          out.gates = strList(p, '`defaults.gates`').values;
          break;
        case 'heartbeatTimeout': {
          const seconds = isScalar(value) ? parseDuration(value.value) : undefined;
          if (seconds === undefined || seconds <= 0) {
            error('bad-duration', nodeSpan(value, keyStart(p)), '`heartbeatTimeout` must be a duration such as `60s`, `5m` or a number of seconds.');
          } else out.heartbeatTimeout = seconds;
          break;
        }
        case 'persona':
          out.persona = str(p, '`defaults.persona`');
          break;
        case 'maxWorkers': {
          const n = isScalar(value) ? value.value : undefined;
          if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
            error('wrong-type', nodeSpan(value, keyStart(p)), '`maxWorkers` must be a whole number of at least 1.');
          } else out.maxWorkers = n;
          break;
        }
        case 'conflicts':
          out.conflicts = policy(p, '`defaults.conflicts`') ?? out.conflicts;
          break;
        case 'sandbox':
          out.sandbox = sandbox(p, '`defaults.sandbox`');
          break;
        default:
          unknownKey(p, '`defaults`', DEFAULT_KEYS);
      }
    }
  }

  // `context:` is either short text, or `text:` and `files:` (paths relative to the repository root).
  function readContext(pair: Pair): void {
    const v = pair.value as Node | null;
    if (isScalar(v) && v.value === null) return;
    if (isScalar(v) && typeof v.value === 'string') {
      plan.context.text = v.value;
      return;
    }
    if (!isMap(v)) {
      error('wrong-type', nodeSpan(v, keyStart(pair)), '`context` must be text, or a mapping with `text` and `files`.');
      return;
    }
    for (const p of v.items as Pair[]) {
      const key = keyName(p);
      if (key === 'text') plan.context.text = str(p, '`context.text`') ?? '';
      else if (key === 'files') {
        const list = strList(p, '`context.files`');
        list.values.forEach((file, i) => {
          const problem = contextPathProblem(file);
          if (problem) error('bad-context-file', list.spans[i], `\`context.files\` entry ${JSON.stringify(file)} ${problem}`);
          else plan.context.files.push(file);
        });
      } else unknownKey(p, '`context`', CONTEXT_KEYS);
    }
  }

  if (!tasksPair) {
    error('missing-field', nodeSpan(root), 'The plan has no `tasks:` list. Add one with at least one task (id and title).');
    return { plan, diagnostics };
  }
  const tasksNode = tasksPair.value as Node | null;
  if (!isSeq(tasksNode) || tasksNode.items.length === 0) {
    if (isSeq(tasksNode) || (isScalar(tasksNode) && tasksNode.value === null)) {
      error('empty-plan', nodeSpan(tasksPair.key as Node), 'The plan has no tasks. Add a task with an `id` and a `title` under `tasks:`.');
    } else {
      error('wrong-type', nodeSpan(tasksNode, keyStart(tasksPair)), '`tasks` must be a list of tasks, each starting with `- id: ...`.');
    }
    return { plan, diagnostics };
  }

  for (const item of tasksNode.items as Node[]) {
    if (!isMap(item)) {
      error('wrong-type', nodeSpan(item, tasksNode.range?.[0] ?? 0), 'Each task must be a mapping with at least `id` and `title`.');
      continue;
    }
    const task = readTask(item);
    if (task) plan.tasks.push(task);
  }

  function readTask(map: YAMLMap): Task | undefined {
    const span = nodeSpan(map as unknown as Node);
    const task: Task = {
      id: '',
      title: '',
      description: '',
      deps: [],
      files: [],
      hours: 0,
      gates: plan.defaults.gates,
      span,
      depSpans: [],
    };
    let hasGates = false;
    for (const pair of map.items as Pair[]) {
      const key = keyName(pair);
      const value = pair.value as Node | null;
      switch (key) {
        case 'id':
          task.id = str(pair, 'A task `id`') ?? '';
          break;
        case 'title':
          task.title = str(pair, 'A task `title`') ?? '';
          break;
        case 'description':
          if (isScalar(value) && value.value === null) break;
          task.description = str(pair, '`description`') ?? '';
          break;
        case 'deps': {
          const list = strList(pair, '`deps`');
          task.deps = list.values;
          task.depSpans = list.spans;
          break;
        }
        case 'files': {
          const list = strList(pair, '`files`');
          task.files = list.values;
          task.fileSpans = list.spans;
          break;
        }
        case 'conflicts':
          task.conflicts = policy(pair, '`conflicts`');
          break;
        case 'sandbox':
          task.sandbox = sandbox(pair, '`sandbox`');
          break;
        case 'gates':
          task.gates = strList(pair, '`gates`').values;
          hasGates = true;
          break;
        case 'estimate': {
          const raw = isScalar(value) ? value.value : undefined;
          const hours = parseEstimate(raw);
          if (hours === undefined) {
            error('bad-estimate', nodeSpan(value, keyStart(pair)), `Estimate "${String(raw)}" is not understood: write hours like \`2h\`, \`30m\`, \`1.5d\` (a day is 8h) or a number of hours.`);
          } else {
            task.estimate = String(raw);
            task.hours = hours;
          }
          break;
        }
        case 'complexity': {
          const c = isScalar(value) ? value.value : undefined;
          if (typeof c === 'string' && COMPLEXITIES.has(c as Complexity)) task.complexity = c as Complexity;
          else error('bad-value', nodeSpan(value, keyStart(pair)), '`complexity` must be one of low, medium, high.');
          break;
        }
        case 'persona':
          task.persona = str(pair, '`persona`');
          break;
        case 'agent':
          task.agent = str(pair, '`agent`');
          break;
        default:
          unknownKey(pair, `task "${task.id || '?'}"`, TASK_KEYS);
      }
    }
    if (!hasGates) task.gates = plan.defaults.gates;
    if (!map.items.some((p) => keyName(p as Pair) === 'id')) {
      error('missing-field', span, 'This task has no `id`. Add one: lowercase letters, digits, `.`, `_` or `-`.');
      return undefined;
    }
    if (!task.id) return undefined;
    if (!map.items.some((p) => keyName(p as Pair) === 'title')) {
      error('missing-field', span, `Task "${task.id}" has no \`title\`. Add a short title.`);
    }
    return task;
  }

  return { plan, diagnostics };
}

/** Context files are read from the repository: only relative paths that stay inside it. */
export function contextPathProblem(file: string): string | undefined {
  if (file.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(file) || file.startsWith('\\')) return 'is absolute: give a path relative to the repository root.';
  if (file.split(/[\\/]/).includes('..')) return 'leaves the repository (".."): give a path inside it.';
  if (/[\u0000-\u001f]/.test(file)) return 'holds control characters.';
  return undefined;
}

function keyName(pair: Pair): string {
  const k = pair.key as Node | null;
  return isScalar(k) ? String(k.value) : '';
}

function keyStart(pair: Pair): number {
  return (pair.key as Node | null)?.range?.[0] ?? 0;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/\s+at line \d+, column \d+:?$/, '').replace(/\.$/, '');
}
