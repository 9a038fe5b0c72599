// Analysis of a parsed plan: order, stages, critical path, parallelism, file conflicts.
import type { Plan } from '../plan/model';

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
  /** Topological order; ties broken by plan order. Tasks on a cycle are left out. */
  order: string[];
  /** stages[0] holds tasks with no dependencies; a task's stage is 1 + its deepest dependency's. */
  stages: string[][];
  /** Stage index (0-based) per task id. */
  stageOf: Map<string, number>;
  criticalPath: CriticalPath;
  maxParallelism: number;
  conflicts: Conflict[];
}

export function analyzePlan(plan: Plan): Analysis {
  void plan;
  throw new Error('not implemented yet');
}
