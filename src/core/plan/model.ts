// The plan model every parser produces and every consumer reads. Plain data, no behaviour.

/** 1-based line and column, as editors and `file:line:col` messages count them. */
export interface Position {
  line: number;
  column: number;
}

export interface Span {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning';

export interface PlanDiagnostic {
  /** Stable code, e.g. `unknown-dependency`; documented in the README. */
  code: string;
  severity: Severity;
  /** Says what is wrong and what to do about it. */
  message: string;
  file: string;
  span: Span;
  /** Tasks this problem keeps from starting (an unknown or cyclic dependency), when it is about tasks. */
  tasks?: string[];
}

export type Complexity = 'low' | 'medium' | 'high';

/** Whether a task may run while another task that may touch the same files is running. */
export type ConflictPolicy = 'serialize' | 'allow';
export const CONFLICT_POLICIES: readonly ConflictPolicy[] = ['serialize', 'allow'];

/** Whether a worker's commands run in Claude Code's sandbox (sandbox.ts). A plan may turn it on, never off. */
export type SandboxMode = 'on' | 'off';

export interface Task {
  id: string;
  title: string;
  description: string;
  deps: string[];
  files: string[];
  /** As written, e.g. `2h`, `30m`, `1.5d`; undefined when the plan gives none. */
  estimate?: string;
  /** The estimate in hours (a day is 8 hours); 0 when there is no estimate. */
  hours: number;
  complexity?: Complexity;
  persona?: string;
  agent?: string;
  /** Its own conflict policy; undefined means the plan default. */
  conflicts?: ConflictPolicy;
  /** Its own `sandbox:`; undefined means the plan default. */
  sandbox?: SandboxMode;
  /** Commands that must pass in the worktree before approval (task's own, else the plan default). */
  gates: string[];
  /** Where the task starts in the plan file (the list item or the Markdown heading); line 0 when it was read without positions (parse.ts, taskPositions). */
  span: Span;
  /** Where each entry of `deps` is written, same order as `deps`. */
  depSpans: Span[];
  /** Where each entry of `files` is written, same order as `files` (empty when unknown). */
  fileSpans?: Span[];
}

export interface PlanDefaults {
  agent: string;
  gates: string[];
  /** In seconds. */
  heartbeatTimeout: number;
  maxWorkers: number;
  /** `serialize`: never start a task while one it may conflict with is running (the default). */
  conflicts: ConflictPolicy;
  /** The persona of tasks that name none (`defaults.persona`); undefined means `engineer`. */
  persona?: string;
  /** `defaults.sandbox`; undefined means the person's setting alone decides. */
  sandbox?: SandboxMode;
}

/** Plan-level `context:`: what every worker is told, besides its own task. */
export interface SharedContext {
  /** Short text put into every worker's prompt. */
  text: string;
  /** Repository-relative files read at launch and put into every worker's prompt (size-capped). */
  files: string[];
}

export interface Plan {
  file: string;
  format: 'yaml' | 'markdown';
  version: number;
  name: string;
  base: string;
  defaults: PlanDefaults;
  context: SharedContext;
  tasks: Task[];
}

export interface ParseResult {
  plan: Plan;
  diagnostics: PlanDiagnostic[];
}

export const DEFAULTS: PlanDefaults = {
  agent: 'claude',
  gates: [],
  heartbeatTimeout: 60,
  maxWorkers: 4,
  conflicts: 'serialize',
};

/** A plan with nothing in it yet: what each parser fills in as it reads. */
export function emptyPlan(file: string, format: Plan['format']): Plan {
  return { file, format, version: 1, name: '', base: 'main', defaults: { ...DEFAULTS, gates: [] }, context: { text: '', files: [] }, tasks: [] };
}

/** Persona names become file names (`.baton/personas/<name>.md`): the same rule as task ids. */
export const PERSONA_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Ids become branch names (`baton/<id>`), folder names and terminal titles: keep them boring. The
 * lookaheads are the parts of git's branch-name rules the characters allow: no "..", no trailing "." and
 * no trailing ".lock" (refNames.ts has the whole rule for `base`).
 */
export const TASK_ID_PATTERN = /^(?!.*\.\.)(?!.*\.lock$)(?!.*\.$)[a-z0-9][a-z0-9._-]{0,63}$/;
