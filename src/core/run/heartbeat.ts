// heartbeat.json: the public worker protocol. Any agent can take part by writing it atomically
// (temp file + rename); Baton's supervisor and hook intake keep it fresh for Claude Code workers.
import { readFileSync } from 'node:fs';
import { lock } from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';

export const WORKER_STATUSES = ['starting', 'in_progress', 'waiting_input', 'idle', 'blocked', 'done', 'failed'] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

export interface Heartbeat {
  task_id: string;
  status: WorkerStatus;
  progress?: number;
  tokens_used?: number;
  elapsed_seconds?: number;
  /** ISO time of the last write. */
  updated_at: string;
  /** Baton's additions (other agents may leave them out). */
  activity?: string;
  reason?: string;
  pid?: number;
  started_at?: string;
  exit_code?: number | null;
}

export type HeartbeatRead =
  | { ok: true; heartbeat: Heartbeat }
  | { ok: false; missing: boolean; problem: string };

/** Never throws: a missing, half-written or hostile file comes back as a problem to show, not a crash. */
export function readHeartbeat(file: string, taskId: string): HeartbeatRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
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
  return checkHeartbeat(value, taskId);
}

export function checkHeartbeat(value: unknown, taskId: string): HeartbeatRead {
  const bad = (problem: string): HeartbeatRead => ({ ok: false, missing: false, problem });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('heartbeat.json must hold a JSON object');
  const h = value as Record<string, unknown>;
  if (h.task_id !== taskId) return bad(`heartbeat.json names task ${JSON.stringify(h.task_id)}, not "${taskId}"`);
  if (!WORKER_STATUSES.includes(h.status as WorkerStatus)) {
    return bad(`heartbeat status ${JSON.stringify(h.status)} is not one of ${WORKER_STATUSES.join(', ')}`);
  }
  if (typeof h.updated_at !== 'string' || Number.isNaN(Date.parse(h.updated_at))) return bad('heartbeat updated_at must be an ISO time');
  for (const key of ['progress', 'tokens_used', 'elapsed_seconds', 'pid'] as const) {
    if (h[key] !== undefined && (typeof h[key] !== 'number' || !Number.isFinite(h[key]))) return bad(`heartbeat ${key} must be a number`);
  }
  for (const key of ['activity', 'reason', 'started_at'] as const) {
    if (h[key] !== undefined && typeof h[key] !== 'string') return bad(`heartbeat ${key} must be a string`);
  }
  const heartbeat = { ...h } as unknown as Heartbeat;
  // Shown in a tree item: keep it one short line whatever a worker wrote.
  if (heartbeat.activity) heartbeat.activity = oneLine(heartbeat.activity, 120);
  if (heartbeat.reason) heartbeat.reason = oneLine(heartbeat.reason, 500);
  return { ok: true, heartbeat };
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
 * `change` gets the current heartbeat (undefined when there is none or it is unreadable).
 */
export async function updateHeartbeat(
  file: string,
  taskId: string,
  change: (current: Heartbeat | undefined) => Heartbeat,
): Promise<Heartbeat> {
  const release = await lock(file, {
    realpath: false,
    stale: 10_000,
    retries: { retries: 50, minTimeout: 5, maxTimeout: 100, factor: 1.5 },
  });
  try {
    const read = readHeartbeat(file, taskId);
    const next = change(read.ok ? read.heartbeat : undefined);
    writeHeartbeat(file, next);
    return next;
  } finally {
    await release();
  }
}
