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
}

export type Complexity = 'low' | 'medium' | 'high';

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
  /** Commands that must pass in the worktree before approval (task's own, else the plan default). */
  gates: string[];
  /** Where the task starts in the plan file (the list item or the Markdown heading); line 0 when it was read without positions (parse.ts, taskPositions). */
  span: Span;
  /** Where each entry of `deps` is written, same order as `deps`. */
  depSpans: Span[];
}

export interface PlanDefaults {
  agent: string;
  gates: string[];
  /** In seconds. */
  heartbeatTimeout: number;
  maxWorkers: number;
}

export interface Plan {
  file: string;
  format: 'yaml' | 'markdown';
  version: number;
  name: string;
  base: string;
  defaults: PlanDefaults;
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
};

/** Ids become branch names, folder names and terminal titles: keep them boring. */
export const TASK_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
