// Completion: once every task of a plan is approved, its run folders (events, results, prompts, gate
// output, heartbeats) move to `.baton/archive/<plan-name>-<date>/` with the Run Report and the metrics.
// Copied into a temp folder first and renamed into place; then only what was copied, and has not
// changed since, is removed from `.baton/runs/`. Nothing is deleted that is not in the archive.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { lock } from 'proper-lockfile';
import type { Plan } from '../plan/model';
import { appendEvent, readEvents } from './events';
import type { BatonLayout } from './layout';
import { planMetrics, type MetricsOptions, type PlanMetrics } from './metrics';
import { renderRunReport, TIMELINE_FILE } from './runReport';

export interface ArchiveResult {
  archived: boolean;
  /** The archive folder, when archived. */
  dir?: string;
  /** Tasks not approved yet, when not archived. */
  remaining: string[];
  /** Files left in `.baton/runs/` because they changed while being archived (written by a late process). */
  kept: string[];
}

export class ArchiveRefused extends Error {}

export interface PastRun {
  name: string;
  dir: string;
  plan: string;
  archivedAt: string;
  tasks: number;
  approved: number;
  wallSeconds: number;
  cost: number;
}

export function archiveDir(layout: BatonLayout): string {
  return join(layout.dir, 'archive');
}

/** `Contact form!` -> `contact-form`: a folder name from plan text, never a path. */
export function archiveSlug(planName: string): string {
  return (
    planName
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'plan'
  );
}

/**
 * What the run controller calls after each approval: archives the run when every task of the plan is
 * approved, and otherwise does nothing (returns the tasks that remain).
 */
export async function archiveIfComplete(layout: BatonLayout, plan: Plan, options: MetricsOptions = {}): Promise<ArchiveResult> {
  try {
    return await archiveRun(layout, plan, options);
  } catch (e) {
    if (e instanceof ArchiveRefused) return { archived: false, remaining: remainingTasks(layout, plan, options), kept: [] };
    throw e;
  }
}

function remainingTasks(layout: BatonLayout, plan: Plan, options: MetricsOptions): string[] {
  return planMetrics(layout, plan, options)
    .tasks.filter((t) => !t.approved)
    .map((t) => t.task);
}

/** Archives the run; throws ArchiveRefused (naming them) when some task is not approved. */
export async function archiveRun(layout: BatonLayout, plan: Plan, options: MetricsOptions = {}): Promise<ArchiveResult> {
  const root = archiveDir(layout);
  layout.ensureBatonDir();
  mkdirSync(root, { recursive: true });
  // Two windows (or a window and `baton archive`) may finish the same plan at once: one archives it.
  const release = await lock(root, { realpath: false, lockfilePath: join(layout.dir, 'archive.lock'), stale: 30_000, retries: { retries: 20, minTimeout: 20, maxTimeout: 500 } });
  try {
    const now = options.now ?? new Date();
    const metrics = planMetrics(layout, plan, { ...options, now });
    const remaining = metrics.tasks.filter((t) => !t.approved).map((t) => t.task);
    if (plan.tasks.length === 0) throw new ArchiveRefused('The plan has no tasks: there is nothing to archive.');
    if (remaining.length) throw new ArchiveRefused(`Not every task is approved yet: ${remaining.join(', ')}. The run is archived once they are.`);
    const already = archivedAs(layout, plan);
    if (already) throw new ArchiveRefused(`This run is already archived, in .baton/archive/${already}/.`);

    const name = freeName(root, `${archiveSlug(plan.name)}-${now.toISOString().slice(0, 10)}`);
    const temp = join(root, `.tmp-${name}-${randomBytes(3).toString('hex')}`);
    mkdirSync(join(temp, 'runs'), { recursive: true });
    const copied: { source: string; size: number; mtimeMs: number }[] = [];
    for (const task of plan.tasks) {
      const from = layout.runDir(task.id);
      if (existsSync(from)) copyTree(from, join(temp, 'runs', task.id), copied);
    }
    const report = renderRunReport(metrics);
    writeFileSync(join(temp, 'report.md'), report.markdown + '\n');
    writeFileSync(join(temp, TIMELINE_FILE), report.timelineSvg);
    writeFileSync(join(temp, 'metrics.json'), JSON.stringify({ ...metrics, archivedAt: now.toISOString() }, null, 2) + '\n');
    try {
      writeFileSync(join(temp, `plan${extname(plan.file) || '.yaml'}`), readFileSync(plan.file));
    } catch {
      // the plan file moved since it was read: the metrics still name every task
    }
    const dir = join(root, name);
    renameSync(temp, dir);

    // Only now, with the archive in place: remove what was copied, unless it changed since.
    const kept: string[] = [];
    for (const f of copied) {
      const st = statSync(f.source, { throwIfNoEntry: false });
      if (st && st.size === f.size && st.mtimeMs === f.mtimeMs) unlinkSync(f.source);
      else if (st) kept.push(relative(layout.dir, f.source));
    }
    for (const task of plan.tasks) {
      removeEmptyDirs(layout.runDir(task.id));
      leaveApprovalMark(layout, task.id, name, now);
    }
    return { archived: true, dir, remaining: [], kept };
  } finally {
    await release();
  }
}

/**
 * The tasks stay approved after their files moved: the state is read from the run folder, and a task
 * that looked never started would be offered (or auto-started) again. What is left is one heartbeat and
 * one `approved` event that names the archive: new files, nothing of the run.
 */
function leaveApprovalMark(layout: BatonLayout, taskId: string, archive: string, now: Date): void {
  layout.ensureRunDir(taskId);
  const at = now.toISOString();
  if (!existsSync(layout.heartbeat(taskId))) writeFileSync(layout.heartbeat(taskId), JSON.stringify({ task_id: taskId, status: 'done', activity: `Archived in .baton/archive/${archive}/`, updated_at: at }) + '\n');
  appendEvent(layout.events(taskId), { type: 'approved', at, archived: archive });
}

/**
 * The archive every task's last event names, when all name the same one: the run is archived already.
 * (A file written late, and so kept in place, still ends with the mark; a new launch ends it.)
 */
function archivedAs(layout: BatonLayout, plan: Plan): string | undefined {
  let name: string | undefined;
  for (const task of plan.tasks) {
    const mark = readEvents(layout.events(task.id)).at(-1);
    if (mark?.type !== 'approved' || typeof mark.archived !== 'string' || (name !== undefined && name !== mark.archived)) return undefined;
    name = mark.archived;
  }
  return name;
}

function freeName(root: string, wanted: string): string {
  if (!existsSync(join(root, wanted))) return wanted;
  for (let i = 2; ; i++) if (!existsSync(join(root, `${wanted}-${i}`))) return `${wanted}-${i}`;
}

function copyTree(from: string, to: string, copied: { source: string; size: number; mtimeMs: number }[]): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) copyTree(source, join(to, entry.name), copied);
    else if (entry.isFile()) {
      // Stat before the copy: a write during the copy changes the stat, and the file is then kept.
      const st = statSync(source);
      copyFileSync(source, join(to, entry.name));
      copied.push({ source, size: st.size, mtimeMs: st.mtimeMs });
    }
    // Anything else (a socket, a link) is neither copied nor removed.
  }
}

/** Removes a folder tree that holds no file any more; a folder with something left stays. */
function removeEmptyDirs(dir: string): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let empty = true;
  for (const e of entries) if (!(e.isDirectory() && removeEmptyDirs(join(dir, e.name)))) empty = false;
  if (!empty) return false;
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** Archived runs, newest first. */
export function pastRuns(layout: BatonLayout): PastRun[] {
  const root = archiveDir(layout);
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
  const out: PastRun[] = [];
  for (const name of names) {
    const dir = join(root, name);
    try {
      const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as PlanMetrics & { archivedAt?: string };
      out.push({
        name,
        dir,
        plan: String(m.plan ?? name),
        archivedAt: String(m.archivedAt ?? m.generatedAt ?? ''),
        tasks: Number(m.totals?.tasks) || 0,
        approved: Number(m.totals?.approved) || 0,
        wallSeconds: Number(m.totals?.wallSeconds) || 0,
        cost: Number(m.totals?.cost) || 0,
      });
    } catch {
      // not an archive Baton wrote (or one being written): not listed
    }
  }
  return out.sort((a, b) => b.archivedAt.localeCompare(a.archivedAt) || basename(b.dir).localeCompare(basename(a.dir)));
}

