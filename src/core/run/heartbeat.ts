// heartbeat.json: the public worker protocol. Any agent can take part by writing it atomically
// (temp file + rename); Baton's supervisor and hook intake keep it fresh for Claude Code workers.
import { readFileSync, statSync } from 'node:fs';
import { lock } from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';

/** Baton's own status words, the ones it writes. */
export const WORKER_STATUSES = ['starting', 'in_progress', 'waiting_input', 'idle', 'blocked', 'done', 'failed'] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

/**
 * Every status word Baton accepts from a worker, and the status it means. Other agents write the words
 * of the published protocol (`completed`, `error`, `waiting`...); case, spaces and dashes do not matter.
 */
export const STATUS_WORDS: Readonly<Record<string, WorkerStatus>> = {
  starting: 'starting',
  in_progress: 'in_progress',
  running: 'in_progress',
  working: 'in_progress',
  waiting: 'waiting_input',
  waiting_input: 'waiting_input',
  needs_input: 'waiting_input',
  idle: 'idle',
  blocked: 'blocked',
  completed: 'done',
  complete: 'done',
  done: 'done',
  finished: 'done',
  failed: 'failed',
  error: 'failed',
};

/** The accepted words, for messages: "starting, in_progress, running, ...". */
export const ACCEPTED_STATUS_WORDS = Object.keys(STATUS_WORDS).join(', ');

export function statusFromWord(word: unknown): WorkerStatus | undefined {
  if (typeof word !== 'string') return undefined;
  const key = word.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return Object.hasOwn(STATUS_WORDS, key) ? STATUS_WORDS[key] : undefined;
}

export interface Heartbeat {
  task_id: string;
  /** Always one of Baton's own words once read (statusFromWord). */
  status: WorkerStatus;
  /** A number is a percentage; text says where the worker is ("Step 2 of 5: Creating files"). */
  progress?: number | string;
  tokens_used?: number;
  elapsed_seconds?: number;
  /** ISO time of the last write; when a worker leaves it out, the file's modification time. */
  updated_at: string;
  /** Baton's additions (other agents may leave them out). */
  activity?: string;
  reason?: string;
  pid?: number;
  started_at?: string;
  exit_code?: number | null;
  /** Why the last checkpoint of this worker's work failed (cleared by the next one that works). */
  checkpoint_error?: string;
  /** True between a PreToolUse hook and the end of that tool call: no checkpoint then. */
  in_tool?: boolean;
  /** ISO time of the agent's own last report (a hook or `baton report`), as opposed to the supervisor's beat. */
  agent_at?: string;
}

export type HeartbeatRead =
  /** `problem`: the heartbeat was used, but something in it needs the writer's attention (an unknown status word). */
  | { ok: true; heartbeat: Heartbeat; problem?: string }
  | { ok: false; missing: boolean; problem: string };

/**
 * Never throws: a missing, half-written or hostile file comes back as a problem to show, not a crash.
 * `modifiedAt`: the file's modification time when the caller has just taken it.
 */
export function readHeartbeat(file: string, taskId: string, modifiedAt?: Date): HeartbeatRead {
  let text: string;
  let modified = modifiedAt;
  try {
    text = readFileSync(file, 'utf8');
    modified ??= statSync(file, { throwIfNoEntry: false })?.mtime;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return { ok: false, missing, problem: missing ? 'no heartbeat yet' : `cannot read heartbeat: ${(e as Error).message}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, missing: false, problem: 'heartbeat.json is not valid JSON (half-written?); waiting for the next write' };
  }
  return checkHeartbeat(value, taskId, modified ?? new Date());
}

/**
 * Accepts the protocol's published example as it stands: `task_id` and `status` are required, `progress`
 * is text or a number, and without `updated_at` the file's modification time (`modified`) stands in.
 */
export function checkHeartbeat(value: unknown, taskId: string, modified?: Date): HeartbeatRead {
  const bad = (problem: string): HeartbeatRead => ({ ok: false, missing: false, problem });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('heartbeat.json must hold a JSON object');
  const h = value as Record<string, unknown>;
  if (h.task_id !== taskId) return bad(`heartbeat.json names task ${JSON.stringify(h.task_id)}, not "${taskId}"`);
  if (h.status === undefined) return bad(`heartbeat.json has no "status"; write one of: ${ACCEPTED_STATUS_WORDS}`);
  if (h.updated_at !== undefined && (typeof h.updated_at !== 'string' || Number.isNaN(Date.parse(h.updated_at)))) {
    return bad('heartbeat updated_at must be an ISO time (or be left out: the file\'s modification time is used)');
  }
  const updatedAt = typeof h.updated_at === 'string' ? h.updated_at : modified?.toISOString();
  if (!updatedAt) return bad('heartbeat updated_at is missing');
  for (const key of ['tokens_used', 'elapsed_seconds', 'pid'] as const) {
    if (h[key] !== undefined && (typeof h[key] !== 'number' || !Number.isFinite(h[key]))) return bad(`heartbeat ${key} must be a number`);
  }
  if (h.progress !== undefined && typeof h.progress !== 'string' && (typeof h.progress !== 'number' || !Number.isFinite(h.progress))) {
    return bad('heartbeat progress must be text ("Step 2 of 5: Creating files") or a number (a percentage)');
  }
  for (const key of ['activity', 'reason', 'started_at', 'checkpoint_error', 'agent_at'] as const) {
    if (h[key] !== undefined && typeof h[key] !== 'string') return bad(`heartbeat ${key} must be a string`);
  }
  const status = statusFromWord(h.status);
  // An unknown word still proves the worker is alive and says what it does: keep following it as
  // working, and show the problem on the worker so whoever wrote it can fix it.
  const problem = status
    ? undefined
    : `heartbeat status ${oneLine(JSON.stringify(h.status), 60)} is not a word Baton knows, so the worker is shown as running; use one of: ${ACCEPTED_STATUS_WORDS}`;
  const heartbeat = { ...h, status: status ?? 'in_progress', updated_at: updatedAt } as unknown as Heartbeat;
  // Text progress is where the worker is: its activity, unless it says more precisely what it does.
  if (typeof heartbeat.progress === 'string') {
    heartbeat.progress = oneLine(heartbeat.progress, 120);
    heartbeat.activity ??= heartbeat.progress;
  } else if (typeof heartbeat.progress === 'number') {
    heartbeat.progress = Math.max(0, Math.min(100, heartbeat.progress));
  }
  // Shown in a tree item: keep it one short line whatever a worker wrote.
  if (heartbeat.activity) heartbeat.activity = oneLine(heartbeat.activity, 120);
  if (heartbeat.reason) heartbeat.reason = oneLine(heartbeat.reason, 500);
  return problem ? { ok: true, heartbeat, problem } : { ok: true, heartbeat };
}

export function writeHeartbeat(file: string, heartbeat: Heartbeat): void {
  writeFileAtomic.sync(file, JSON.stringify(heartbeat, null, 2) + '\n');
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/**
 * Read-modify-write of a worker's heartbeat, guarded by a lock on the file (proper-lockfile: an atomic
 * mkdir lock with stale detection), because the supervisor and hook processes write it concurrently.
 * `change` gets the current heartbeat (undefined when there is none or it is unreadable) and returns the
 * next one, or undefined to leave the file as it is (e.g. it belongs to a newer launch).
 */
export async function updateHeartbeat(
  file: string,
  taskId: string,
  change: (current: Heartbeat | undefined) => Heartbeat | undefined,
): Promise<Heartbeat | undefined> {
  const release = await lock(file, {
    realpath: false,
    stale: 10_000,
    retries: { retries: 50, minTimeout: 5, maxTimeout: 100, factor: 1.5 },
  });
  try {
    const read = readHeartbeat(file, taskId);
    const next = change(read.ok ? read.heartbeat : undefined);
    if (next) writeHeartbeat(file, next);
    return next;
  } finally {
    await release();
  }
}
