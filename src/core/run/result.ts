// result.json: what a task produced, for review and approval. The worker writes its own summary
// (`baton report done`), Baton adds gate results, and approval records how it was approved.
// Read-modify-write under a lock (like heartbeat.json), because the worker, a gate run and an
// approval can all write it.
import { readFileSync } from 'node:fs';
import { lock } from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import type { GateResult } from './gates';
import type { BatonLayout } from './layout';

/** `done`: the worker says it finished; `partial`: it stopped with things left (in `not_done`); `unreported`: nothing said yet. */
export type ResultStatus = 'unreported' | 'done' | 'partial';

export interface TaskResult {
  status: ResultStatus;
  /** The worker's own words: what it did. */
  summary?: string;
  /** The worker's own words: what it did not do, or left for later. */
  not_done?: string;
  files_changed?: string[];
  gates?: GateResult[];
  /** When the gates last ran, and on which commit of the task branch (uncommitted changes included in that run). */
  gates_at?: string;
  gates_commit?: string;
  /** The uncommitted changes they ran with ('' for none): see workState. */
  gates_uncommitted?: string;
  /** Approved although gates failed or did not run: the person said so explicitly. */
  approved_anyway?: boolean;
  [key: string]: unknown;
}

export function readResult(layout: BatonLayout, taskId: string): TaskResult | undefined {
  const file = layout.result(taskId);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // missing or half-written by something else: nothing to show
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  const status: ResultStatus = r.status === 'done' || r.status === 'partial' ? r.status : 'unreported';
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    ...r,
    status,
    summary: text(r.summary),
    not_done: text(r.not_done),
    files_changed: Array.isArray(r.files_changed) ? r.files_changed.filter((f): f is string => typeof f === 'string') : undefined,
    gates: Array.isArray(r.gates) ? r.gates.filter(isGateResult) : undefined,
    gates_at: text(r.gates_at),
    gates_commit: text(r.gates_commit),
    gates_uncommitted: text(r.gates_uncommitted),
    approved_anyway: r.approved_anyway === true ? true : undefined,
  };
}

function isGateResult(g: unknown): g is GateResult {
  if (!g || typeof g !== 'object') return false;
  const x = g as Record<string, unknown>;
  return typeof x.command === 'string' && (x.exit_code === null || typeof x.exit_code === 'number');
}

/** `change` is merged into the current result, or given the current result (undefined when none) to return the next one. */
export async function updateResult(
  layout: BatonLayout,
  taskId: string,
  change: Partial<TaskResult> | ((current: TaskResult | undefined) => TaskResult),
): Promise<TaskResult> {
  layout.ensureRunDir(taskId);
  const file = layout.result(taskId);
  const release = await lock(file, { realpath: false, stale: 10_000, retries: { retries: 50, minTimeout: 5, maxTimeout: 100, factor: 1.5 } });
  try {
    const current = readResult(layout, taskId);
    const next = typeof change === 'function' ? change(current) : { ...(current ?? { status: 'unreported' as const }), ...change };
    // Drop undefined keys so the file stays readable.
    writeFileAtomic.sync(file, JSON.stringify(next, (_k, v) => (v === undefined ? undefined : v), 2) + '\n');
    return next;
  } finally {
    await release();
  }
}
