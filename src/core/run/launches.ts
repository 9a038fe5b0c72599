// Launches: each start of a worker gets an id, so that nothing an older launch does (its supervisor's
// late "stopped", its session's last hooks) can decide the state of a newer one. The id reaches the
// supervisor, the agent and its hooks as BATON_LAUNCH_ID; `.baton/runs/<id>/launch.json` names the
// current launch, every event carries the launch it came from, and RunStore ignores outcomes of others.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import type { BatonLayout } from './layout';

export const LAUNCH_ENV = 'BATON_LAUNCH_ID';

export interface LaunchRecord {
  launch_id: string;
  at: string;
  /** The supervisor's pid, once it runs: a worker's own heartbeat need not carry it. */
  pid?: number;
  /** When that process started (processTree.ts processStart): a pid reused by another process does not match. */
  pid_start?: string;
}

/** Sortable by time, unique enough for two launches of one task. */
export function newLaunchId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** Written while the heartbeat's lock is held (launch.ts claimTask), so a claim and its id go together. */
export function recordLaunch(layout: BatonLayout, taskId: string, record: LaunchRecord): void {
  writeFileAtomic.sync(layout.launch(taskId), JSON.stringify(record) + '\n', { fsync: false });
}

export function readLaunch(layout: BatonLayout, taskId: string): LaunchRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(layout.launch(taskId), 'utf8'));
    if (typeof value?.launch_id !== 'string') return undefined;
    return {
      launch_id: value.launch_id,
      at: String(value.at ?? ''),
      ...(Number.isInteger(value.pid) ? { pid: value.pid } : {}),
      ...(typeof value.pid_start === 'string' ? { pid_start: value.pid_start } : {}),
    };
  } catch {
    return undefined;
  }
}

export function currentLaunchId(layout: BatonLayout, taskId: string): string | undefined {
  return readLaunch(layout, taskId)?.launch_id;
}

/**
 * Whether a writer from launch `launchId` may still change the task's heartbeat. A writer without an id
 * (a worker started before launches had ids, or by hand) and a task without a recorded launch keep the
 * old behaviour: they may.
 */
export function isCurrentLaunch(layout: BatonLayout, taskId: string, launchId: string | undefined): boolean {
  if (!launchId) return true;
  const current = currentLaunchId(layout, taskId);
  return current === undefined || current === launchId;
}

/** `{launch: id}` to spread into an event, or nothing. */
export function launchTag(launchId: string | undefined): { launch?: string } {
  return launchId ? { launch: launchId } : {};
}
