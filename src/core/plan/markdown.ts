// The Markdown "Phases" plan format, read into the same model as baton.yaml:
//
//   ### Phase 2a: Contact form
//   **Dependencies**: Phase 1
//   **Files Modified**: `src/form.ts`, `src/styles/**`
//   **Estimated Hours**: 3
//   **Complexity**: Medium
//   **Implementation Steps**:
//   1. ...
//   **Validation Gates**:
//   - [ ] `npm test` passes
//   **Persona**: Reviewer
//   **Sandbox**: On
//
// A phase's id is its label slugged (`Phase 2a` -> `phase-2a`); `None` means no dependencies.
//
// What every worker is told (YAML `context:` and `defaults.persona`) is a section that is not a phase:
//
//   ## Context
//   We write British English.
//   **Files**: `docs/api.md`
//   **Default Persona**: Engineer
//   **Default Sandbox**: On
import { emptyPlan, type Complexity, type ParseResult, type PlanDiagnostic, type SandboxMode, type Span, type Task } from './model';
import { parseEstimate } from './durations';
import { validatePlan } from './validate';
import { contextPathProblem } from './yamlPlan';

const PHASE_HEADING = /^(#{2,4})\s+(phase\s+[0-9a-z][0-9a-z._-]*)\s*(?:[:\u2013\u2014-]\s*(.*?))?\s*#*\s*$/i;
const ANY_HEADING = /^#{1,6}\s/;
const FIELD = /^\s*(?:[-*]\s+)?\*\*([^*]+?):?\*\*\s*:?\s*(.*)$/;
const KNOWN_FIELDS = new Set([
  'dependencies',
  'files modified',
  'estimated hours',
  'complexity',
  'implementation steps',
  'validation gates',
  'conflicts',
  'persona',
  'sandbox',
]);
const CONTEXT_HEADING = /^(#{1,4})\s+(?:shared\s+)?context\s*:?\s*#*\s*$/i;
const CONTEXT_FIELDS = new Set(['files', 'context files', 'default persona', 'default sandbox']);

/** Parses and validates a Phases Markdown plan. */
export function parseMarkdownPlan(text: string, file: string): ParseResult {
  const result = readMarkdownPlan(text, file);
  validatePlan(result.plan, result.diagnostics);
  return result;
}

/** Reads the phases without whole-plan checks (parse.ts runs those for every format). */
export function readMarkdownPlan(text: string, file: string): ParseResult {
  const lines = text.split(/\r?\n/);
  const diagnostics: PlanDiagnostic[] = [];
  const plan = emptyPlan(file, 'markdown');
  const at = (line: number, column: number, length = 0): Span => ({
    start: { line: line + 1, column: column + 1 },
    end: { line: line + 1, column: column + 1 + length },
  });
  /** `On` / `Off`, reported at the value when it is neither. */
  const sandboxMode = (value: string, line: number, what: string): SandboxMode | undefined => {
    const v = value.trim().replace(/^`(.*)`$/, '$1').trim().toLowerCase();
    if (v === 'on' || v === 'off') return v;
    if (v) {
      const column = Math.max(0, lines[line].lastIndexOf(value.trim()));
      diagnostics.push({ code: 'bad-value', severity: 'error', message: `${what} "${value.trim()}" is not one of On, Off.`, file, span: at(line, column, value.trim().length) });
    }
    return undefined;
  };

  // Split into phases: each runs from its heading to the next heading of the same or a higher level.
  type Block = { heading: number; label: string; title: string; body: number[] };
  const blocks: Block[] = [];
  let current: Block | undefined;
  let level = 0;
  // The plan-level "Context" section, read like a phase but into `plan.context`.
  let context: { body: number[] } | undefined;
  let contextLevel = 0;
  const contextLines: number[] = [];
  let inFence = false;
  lines.forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) {
      (current ?? context)?.body.push(i);
      return;
    }
    const m = PHASE_HEADING.exec(line);
    if (m) {
      current = { heading: i, label: m[2].replace(/\s+/g, ' '), title: (m[3] ?? '').trim(), body: [] };
      level = m[1].length;
      context = undefined;
      blocks.push(current);
      return;
    }
    const c = CONTEXT_HEADING.exec(line);
    if (c && (!current || c[1].length <= level)) {
      current = undefined;
      context = { body: contextLines };
      contextLevel = c[1].length;
      return;
    }
    if (!plan.name && /^#\s+/.test(line)) plan.name = line.replace(/^#\s+/, '').trim();
    if (current && ANY_HEADING.test(line) && /^#+/.exec(line)![0].length <= level) current = undefined;
    if (context && ANY_HEADING.test(line) && /^#+/.exec(line)![0].length <= contextLevel) context = undefined;
    (current ?? context)?.body.push(i);
  });
  readContextSection();

  function readContextSection(): void {
    const prose: string[] = [];
    let field: string | undefined;
    const addFiles = (value: string, line: number) => {
      for (const file of splitList(value)) {
        const problem = contextPathProblem(file);
        const column = Math.max(0, lines[line].indexOf(file));
        if (problem) diagnostics.push({ code: 'bad-context-file', severity: 'error', message: `Context file ${JSON.stringify(file)} ${problem}`, file, span: at(line, column, file.length) });
        else plan.context.files.push(file);
      }
    };
    for (const i of contextLines) {
      const line = lines[i];
      const f = FIELD.exec(line);
      const name = f?.[1].trim().toLowerCase();
      if (f && name && CONTEXT_FIELDS.has(name)) {
        field = name;
        if (name === 'default persona') {
          const persona = personaName(f[2]);
          if (persona) plan.defaults.persona = persona;
        } else if (name === 'default sandbox') {
          plan.defaults.sandbox = sandboxMode(f[2], i, 'Default Sandbox') ?? plan.defaults.sandbox;
        } else if (f[2].trim()) addFiles(f[2], i);
        continue;
      }
      if (field && /^\s*$/.test(line)) continue;
      if (field === 'files' || field === 'context files') {
        if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
          addFiles(line.replace(/^\s*([-*+]|\d+[.)])\s+/, ''), i);
          continue;
        }
      }
      field = undefined;
      prose.push(line);
    }
    plan.context.text = prose.join('\n').trim();
  }

  if (blocks.length === 0) {
    diagnostics.push({
      code: 'empty-plan',
      severity: 'error',
      message: 'No phases found. A Markdown plan has headings like "### Phase 1: Title" followed by **Dependencies**, **Files Modified** and so on.',
      file,
      span: at(0, 0),
    });
    return { plan, diagnostics };
  }

  for (const block of blocks) {
    const id = slug(block.label);
    const task: Task = {
      id,
      title: block.title || block.label,
      description: '',
      deps: [],
      files: [],
      hours: 0,
      gates: [],
      span: at(block.heading, 0, lines[block.heading].length),
      depSpans: [],
    };
    const prose: string[] = [];
    const steps: string[] = [];
    const checks: Array<{ text: string; line: number }> = [];
    let field: string | undefined;
    for (const i of block.body) {
      const line = lines[i];
      const f = FIELD.exec(line);
      if (f && KNOWN_FIELDS.has(f[1].trim().toLowerCase())) {
        field = f[1].trim().toLowerCase();
        const valueColumn = line.length - f[2].length;
        readField(field, f[2], i, valueColumn);
        continue;
      }
      if (field && /^\s*$/.test(line)) continue;
      if (field && /^\s*([-*+]|\d+[.)])\s+/.test(line)) {
        readListItem(field, line, i);
        continue;
      }
      field = undefined;
      prose.push(line);
    }

    function readField(name: string, value: string, line: number, column: number): void {
      const v = value.trim();
      switch (name) {
        case 'dependencies': {
          if (v === '' || /^(none|n\/a|-|—)\.?$/i.test(v)) return;
          for (const m of v.matchAll(/(phase\s+)?([0-9][0-9a-z._-]*|[a-z][0-9a-z._-]*\d[0-9a-z._-]*)/gi)) {
            const label = m[1] ? m[0] : `Phase ${m[2]}`;
            task.deps.push(slug(label));
            task.depSpans.push(at(line, column + (m.index ?? 0), m[0].length));
          }
          return;
        }
        case 'files modified':
          if (v) task.files.push(...splitList(v));
          return;
        case 'estimated hours': {
          if (!v) return;
          const hours = parseEstimate(/^\d+(\.\d+)?$/.test(v) ? Number(v) : v.replace(/\s*hours?$/i, 'h'));
          if (hours === undefined) {
            diagnostics.push({
              code: 'bad-estimate',
              severity: 'error',
              message: `Estimate "${v}" is not understood: write a number of hours, like 3 or 1.5.`,
              file,
              span: at(line, column, value.length),
            });
          } else {
            task.estimate = /^\d+(\.\d+)?$/.test(v) ? `${v}h` : v;
            task.hours = hours;
          }
          return;
        }
        case 'complexity': {
          const c = v.toLowerCase().replace(/[^a-z].*$/, '');
          if (c === 'low' || c === 'medium' || c === 'high') task.complexity = c as Complexity;
          else if (v) {
            diagnostics.push({
              code: 'bad-value',
              severity: 'error',
              message: `Complexity "${v}" is not one of Low, Medium, High.`,
              file,
              span: at(line, column, value.length),
            });
          }
          return;
        }
        case 'conflicts': {
          const c = v.toLowerCase().replace(/[^a-z].*$/, '');
          if (c === 'serialize' || c === 'allow') task.conflicts = c;
          else if (v) {
            diagnostics.push({
              code: 'bad-value',
              severity: 'error',
              message: `Conflicts "${v}" is not one of Serialize, Allow.`,
              file,
              span: at(line, column, value.length),
            });
          }
          return;
        }
        case 'persona':
          if (v) task.persona = personaName(v);
          return;
        case 'sandbox':
          task.sandbox = sandboxMode(v, line, 'Sandbox') ?? task.sandbox;
          return;
        case 'implementation steps':
          if (v) steps.push(v);
          return;
        case 'validation gates':
          if (v) checks.push({ text: v, line });
      }
    }

    function readListItem(name: string, line: string, index: number): void {
      const item = line.replace(/^\s*([-*+]|\d+[.)])\s+/, '').replace(/^\[[ xX]\]\s*/, '').trim();
      if (name === 'files modified') task.files.push(...splitList(item));
      else if (name === 'implementation steps') steps.push(item);
      else if (name === 'validation gates') checks.push({ text: item, line: index });
      else if (name === 'dependencies') readField(name, item, index, line.indexOf(item));
    }

    // A gate is a command: only checklist items with `code` become gates; the rest stay as criteria for the worker.
    // A gate is also a command a worker may run without asking (profiles.ts), so say so where it is written:
    // a checklist in a document meant for people should not grant that silently.
    const criteria: string[] = [];
    for (const check of checks) {
      const code = /`([^`]+)`/.exec(check.text);
      if (!code) {
        criteria.push(check.text);
        continue;
      }
      const gate = code[1].trim();
      task.gates.push(gate);
      diagnostics.push({
        code: 'gate-allowed',
        severity: 'warning',
        message: `\`${gate}\` becomes a gate of "${id}": its worker may run exactly this command without asking. Remove the backticks if it is only a note for the worker.`,
        file,
        span: at(check.line, Math.max(0, lines[check.line].indexOf(code[0])), code[0].length),
      });
    }
    const parts = [prose.join('\n').trim()];
    if (steps.length) parts.push(`Implementation steps:\n${steps.map((s, i) => `${i + 1}. ${s}`).join('\n')}`);
    if (criteria.length) parts.push(`Validation gates:\n${criteria.map((c) => `- ${c}`).join('\n')}`);
    task.description = parts.filter(Boolean).join('\n\n');
    plan.tasks.push(task);
  }
  return { plan, diagnostics };
}

/** "`Reviewer`" -> "reviewer"; validation refuses what is not a persona name. */
function personaName(value: string): string | undefined {
  const v = value.trim().replace(/^`(.*)`$/, '$1').trim().toLowerCase();
  return v || undefined;
}

/** `Phase 2a` -> `phase-2a`. */
export function slug(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** "`a.ts`, `b/**`" or "a.ts, b.ts" -> paths; backticks win when present. */
function splitList(value: string): string[] {
  const quoted = [...value.matchAll(/`([^`]+)`/g)].map((m) => m[1].trim());
  if (quoted.length > 0) return quoted;
  return value
    .split(/,\s*/)
    .map((s) => s.trim().replace(/\s+\(.*\)$/, ''))
    .filter((s) => s && !/^(none|n\/a)$/i.test(s));
}
