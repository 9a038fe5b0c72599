// The merge queue: approved tasks wait in `.baton/queue.json` and are merged one at a time, in order, so
// the base stays green ("not rocket science" rule): merge onto the current base tip, run the gates on the
// merged tree, and only then move the base ref, with a compare-and-swap so a base that moved meanwhile is
// re-tested, never overwritten. One processor at a time per repository (a lock in .baton/), whichever
// window or `baton run` gets there first; the others only add to the queue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import {
  autoMaintenance,
  branchTip,
  branchTips,
  checkedOutIn,
  compareAndSwap,
  fastForward,
  isAncestor,
  mergeCommit,
  type MergeOutcome,
  moveWorkingTree,
  commitScratch,
  prepareScratch,
  removeScratch,
  runGit,
  startConflictedMerge,
} from '../git/merge';
import { appendEvent, readEvents } from './events';
import { branchName, type BatonLayout } from './layout';

export interface QueueEntry {
  task: string;
  title?: string;
  base: string;
  gates: string[];
  queued_at: string;
  /** Approved although its gates had not passed ("Approve anyway"). */
  forced?: boolean;
  style: 'merge' | 'squash';
  /**
   * The merge as computed at approval (base and branch commits, and the merge commit): used when both are
   * still there, else computed again.
   */
  prepared?: { base: string; branch: string; commit: string };
}

/** Written just before the base ref moves, so a run killed there can finish or forget the merge. */
interface InFlight {
  task: string;
  base: string;
  old: string;
  new: string;
}

interface QueueFile {
  entries: QueueEntry[];
  current?: InFlight;
}

export interface GateRun {
  command: string;
  exit_code: number | null;
  output_tail?: string;
  output_file?: string;
}

export type GateRunner = (cwd: string, commands: string[], options: { signal?: AbortSignal; outputDir?: string }) => Promise<GateRun[]>;

export type MergeResult =
  | { task: string; outcome: 'merged'; commit: string; base: string }
  | { task: string; outcome: 'conflict'; files: string[] }
  | { task: string; outcome: 'integration_failed'; gates: GateRun[] }
  | { task: string; outcome: 'refused'; files: string[]; message: string };

export interface QueueDeps {
  layout: BatonLayout;
  /** Runs the gates on the merged tree. */
  runGates: GateRunner;
  /** Removes the task's worktree and branch after its merge (unless the person keeps them); `style`: the entry's. */
  cleanup?: (taskId: string, style: 'merge' | 'squash' | undefined) => Promise<void>;
  /** Called after each task, in queue order. */
  onResult?: (result: MergeResult) => void;
  /** Ctrl-C: finish nothing half-way; stop before the next base move. */
  signal?: AbortSignal;
}

const LOCK_OPTIONS = { stale: 5000, update: 1000, realpath: false } as const;

export function queueFile(layout: BatonLayout): string {
  return join(layout.dir, 'queue.json');
}

/** Held by whoever is merging (`merge.lock`, next to it); the file itself need not exist. */
function processorLock(layout: BatonLayout): string {
  return join(layout.dir, 'merge');
}

export function scratchDir(layout: BatonLayout): string {
  return join(layout.dir, 'merge-scratch');
}

/** Where a conflicting merge is laid out for the person to resolve (one per task, apart from the queue's own). */
export function resolutionDir(layout: BatonLayout, taskId: string): string {
  return join(layout.dir, 'resolve', branchName(taskId).replace('/', '-'));
}

export function readQueue(layout: BatonLayout): QueueFile {
  try {
    const q = JSON.parse(readFileSync(queueFile(layout), 'utf8'));
    return { entries: Array.isArray(q.entries) ? q.entries : [], current: q.current };
  } catch {
    return { entries: [] };
  }
}

/**
 * Takes a lock without leaving the event loop when it is free (the usual case): each asynchronous file
 * operation is a wait for a thread, and on a busy machine those waits, not the work, made up much of an
 * approval's time. Only a lock that is held is waited for, with `retries` (none: fail at once).
 */
async function lockNow(file: string, retries?: { retries: number; minTimeout: number; maxTimeout: number }): Promise<() => void | Promise<void>> {
  try {
    return lockfile.lockSync(file, { ...LOCK_OPTIONS, onCompromised: () => undefined });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED' || !retries) throw e;
  }
  return lockfile.lock(file, { ...LOCK_OPTIONS, retries, onCompromised: () => undefined });
}

/** Read-modify-write of queue.json under its own short lock (several windows and CLIs may approve at once). */
async function editQueue<T>(layout: BatonLayout, edit: (q: QueueFile) => T): Promise<T> {
  layout.ensureBatonDir();
  const release = await lockNow(queueFile(layout), { retries: 200, minTimeout: 5, maxTimeout: 50 });
  try {
    const q = readQueue(layout);
    const out = edit(q);
    // Sync under the lock: the async variant costs several times more, and this is on every merge's path.
    writeFileAtomic.sync(queueFile(layout), JSON.stringify(q, null, 2) + '\n', { fsync: false });
    return out;
  } finally {
    await release();
  }
}

/** Puts a task at the end of the queue (once) and records `queued`. */
export async function enqueue(layout: BatonLayout, entry: QueueEntry): Promise<number> {
  const position = await editQueue(layout, (q) => {
    const at = q.entries.findIndex((e) => e.task === entry.task);
    if (at !== -1) return at;
    q.entries.push(entry);
    return q.entries.length - 1;
  });
  layout.ensureRunDir(entry.task);
  appendEvent(layout.events(entry.task), { type: 'queued', at: entry.queued_at, base: entry.base, style: entry.style, ...(entry.forced ? { forced: true } : {}) });
  return position;
}

/** Takes a task out of the queue without merging it (e.g. it was discarded). */
export async function dequeue(layout: BatonLayout, taskId: string): Promise<boolean> {
  return editQueue(layout, (q) => {
    const before = q.entries.length;
    q.entries = q.entries.filter((e) => e.task !== taskId);
    return q.entries.length !== before;
  });
}

/**
 * Processes the queue until it is empty, unless another process already is (then returns at once: that
 * processor re-reads the queue before it lets go, so nothing added is stranded).
 */
export async function processQueue(deps: QueueDeps): Promise<MergeResult[]> {
  const results: MergeResult[] = [];
  const { layout } = deps;
  layout.ensureBatonDir();
  for (;;) {
    let release: () => void | Promise<void>;
    try {
      release = await lockNow(processorLock(layout));
    } catch {
      return results; // another window or `baton run` is merging
    }
    try {
      await recoverLocked(deps, results);
      for (;;) {
        if (deps.signal?.aborted) break;
        const next = readQueue(layout).entries[0];
        if (!next) break;
        const result = await mergeOne(deps, next);
        if (!result) break; // interrupted before the base moved: the entry stays queued
        results.push(result);
        deps.onResult?.(result);
      }
      // The scratch tree is reused while the queue has work; an empty queue leaves no worktree behind.
      if (readQueue(layout).entries.length === 0 && !readQueue(layout).current) await removeScratch(layout.root, scratchDir(layout));
    } finally {
      await release();
    }
    if (deps.signal?.aborted || readQueue(layout).entries.length === 0) {
      if (results.some((r) => r.outcome === 'merged')) autoMaintenance(layout.root);
      return results;
    }
  }
}

/**
 * On start: a run killed while moving the base left `current` behind. If the base already holds the merge,
 * finish it (working trees, events, cleanup); otherwise forget it and the entry is merged again from the top.
 */
export async function recoverQueue(deps: QueueDeps): Promise<MergeResult[]> {
  const results: MergeResult[] = [];
  const { layout } = deps;
  layout.ensureBatonDir();
  let release: () => Promise<void>;
  try {
    // A killed processor's lock goes stale after a few seconds: wait that long for it.
    release = await lockfile.lock(processorLock(layout), {
      ...LOCK_OPTIONS,
      retries: { retries: 40, minTimeout: 200, maxTimeout: 200 },
      onCompromised: () => undefined,
    });
  } catch {
    return results;
  }
  try {
    await recoverLocked(deps, results);
  } finally {
    await release();
  }
  return results;
}

async function recoverLocked(deps: QueueDeps, results: MergeResult[]): Promise<void> {
  const { layout } = deps;
  const current = readQueue(layout).current;
  if (!current) return;
  const tip = await branchTip(layout.root, current.base);
  const landed = tip !== undefined && (tip === current.new || (await isAncestor(layout.root, current.new, tip)));
  const trees = await checkedOutIn(layout.root, current.base);
  // Two-tree moves are idempotent: a tree already where it should be stays as it is.
  if (!landed) {
    if (tip === current.old) for (const dir of trees) await moveWorkingTree(dir, current.new, current.old, false);
    await editQueue(layout, (q) => void delete q.current);
    return;
  }
  if (tip === current.new) for (const dir of trees) await moveWorkingTree(dir, current.old, current.new, false);
  const entry = readQueue(layout).entries.find((e) => e.task === current.task);
  const result = await finishMerge(deps, current, entry);
  results.push(result);
  deps.onResult?.(result);
}

/**
 * Merges one entry onto the base as it is now (its tip read afresh each time; a read is a file read, see
 * branchTips). A base moved by anyone else meanwhile makes the swap fail, and the entry is merged again.
 */
async function mergeOne(deps: QueueDeps, entry: QueueEntry): Promise<MergeResult | undefined> {
  const { layout } = deps;
  const root = layout.root;
  const branch = branchName(entry.task);
  let prepared = entry.prepared;
  for (;;) {
    const [old, tip] = await branchTips(root, [entry.base, branch]);
    /** Before calling a merge failed, make sure the base did not move under it (then it is tried again). */
    const stale = async () => (await branchTip(root, entry.base)) !== old;
    if (!old) return settle(deps, entry, { task: entry.task, outcome: 'refused', files: [], message: `the base branch "${entry.base}" does not exist` });
    if (!tip) return settle(deps, entry, { task: entry.task, outcome: 'refused', files: [], message: `the task's branch ${branch} does not exist` });
    // The merge computed at approval is the same merge as long as neither side has moved since.
    const merged: MergeOutcome =
      prepared && prepared.base === old && prepared.branch === tip
        ? { ok: true, commit: prepared.commit, tree: '' }
        : await mergeCommit({ root, base: old, branch: tip, style: entry.style, message: mergeMessage(entry.task, entry.title, branch, entry.style) });
    prepared = undefined;
    if (!merged.ok) {
      if (await stale()) continue;
      return settle(deps, entry, { task: entry.task, outcome: 'conflict', files: merged.conflicts });
    }

    if (entry.gates.length > 0) {
      const scratch = scratchDir(layout);
      await prepareScratch(root, scratch, merged.commit);
      const gates = await deps.runGates(scratch, entry.gates, { signal: deps.signal, outputDir: join(layout.runDir(entry.task), 'integration') });
      if (deps.signal?.aborted) return undefined;
      if (gates.some((g) => g.exit_code !== 0)) {
        if (await stale()) continue;
        return settle(deps, entry, { task: entry.task, outcome: 'integration_failed', gates });
      }
    }
    if (deps.signal?.aborted) return undefined;

    // `current` says where we are, so a run killed from here on is finished or undone on the next start.
    const inFlight: InFlight = { task: entry.task, base: entry.base, old, new: merged.commit };
    await editQueue(layout, (q) => void (q.current = inFlight));
    const moved = await advance(root, entry.base, old, merged.commit, `baton: merge ${entry.task}`);
    if (moved.ok) return finishMerge(deps, inFlight, entry);
    await editQueue(layout, (q) => void delete q.current);
    // The base moved while we merged or tested: test again on the new tip. Otherwise the person's changes are in the way.
    if (!moved.baseMoved) return settle(deps, entry, { task: entry.task, outcome: 'refused', files: moved.files, message: refusal(moved.dir, entry.base, moved) });
  }
}

type Advance = { ok: true } | { ok: false; baseMoved: true } | { ok: false; baseMoved: false; dir: string; files: string[]; message: string };

/**
 * Moves the base from `old` to `to`, never over a commit it did not test: where the base is checked out
 * (usually the person's own tree), a fast-forward in that tree (all-or-nothing, refused when their
 * uncommitted changes are in the way, and itself a compare-and-swap of the ref); elsewhere a bare
 * compare-and-swap of the ref.
 */
async function advance(root: string, base: string, old: string, to: string, why: string): Promise<Advance> {
  const trees = await checkedOutIn(root, base);
  if (trees.length === 0) return (await compareAndSwap(root, base, to, old, why)) ? { ok: true } : { ok: false, baseMoved: true };
  if (trees.length === 1) {
    const ff = await fastForward(trees[0], to);
    if (ff.ok) return ff;
    return ff.notFastForward ? { ok: false, baseMoved: true } : { ok: false, baseMoved: false, dir: trees[0], files: ff.files, message: ff.message };
  }
  // The same branch in several trees (checked out with --force): move each tree, then the ref.
  const moved: string[] = [];
  for (const dir of trees) {
    const move = await moveWorkingTree(dir, old, to, false);
    if (!move.ok) {
      for (const back of moved) await moveWorkingTree(back, to, old, false);
      return { ok: false, baseMoved: false, dir, files: move.files, message: move.message };
    }
    moved.push(dir);
  }
  if (await compareAndSwap(root, base, to, old, why)) return { ok: true };
  for (const back of moved) await moveWorkingTree(back, to, old, false);
  return { ok: false, baseMoved: true };
}

/** After the base moved: record, clean up, and take the entry off. */
async function finishMerge(deps: QueueDeps, f: InFlight, entry: QueueEntry | undefined): Promise<MergeResult> {
  const { layout } = deps;
  const events = readEvents(layout.events(f.task));
  if (!events.some((e) => e.type === 'merged' && e.sha === f.new)) {
    const at = new Date().toISOString();
    appendEvent(layout.events(f.task), { type: 'merged', at, sha: f.new, base: f.base, style: entry?.style ?? 'merge' });
    appendEvent(layout.events(f.task), { type: 'approved', at, sha: f.new, ...(entry?.forced ? { forced: true } : {}) });
  }
  await editQueue(layout, (q) => {
    delete q.current;
    q.entries = q.entries.filter((e) => e.task !== f.task);
  });
  if (deps.cleanup) await deps.cleanup(f.task, entry?.style).catch(() => undefined);
  return { task: f.task, outcome: 'merged', commit: f.new, base: f.base };
}

/** Records a task that did not merge, and takes it off the queue; nothing in git changed. */
async function settle(deps: QueueDeps, entry: QueueEntry, result: MergeResult): Promise<MergeResult> {
  const at = new Date().toISOString();
  const file = deps.layout.events(entry.task);
  if (result.outcome === 'conflict') appendEvent(file, { type: 'conflict', at, files: result.files, base: entry.base });
  else if (result.outcome === 'integration_failed') appendEvent(file, { type: 'integration_failed', at, gates: result.gates, base: entry.base });
  else if (result.outcome === 'refused') appendEvent(file, { type: 'merge_refused', at, files: result.files, reason: result.message });
  await editQueue(deps.layout, (q) => void (q.entries = q.entries.filter((e) => e.task !== entry.task)));
  return result;
}

export function mergeMessage(task: string, title: string | undefined, branch: string, style: 'merge' | 'squash'): string {
  const what = title ? `${task}: ${title}` : task;
  return style === 'squash' ? `${what} (baton task, squashed from ${branch})` : `Merge baton task ${what} (${branch})`;
}

function refusal(dir: string, base: string, move: { files: string[]; message: string }): string {
  if (!move.files.length && !/overwritten|not uptodate/.test(move.message)) return `${base} could not be moved forward in ${dir}: ${move.message}. Nothing was changed.`;
  const files = move.files.length ? move.files.join(', ') : move.message;
  return `${base} is checked out in ${dir}, and uncommitted changes there are in the way of the merge: ${files}. Commit or stash them, then approve again. Nothing was changed.`;
}

/** How long ago the base's tip was made; for `baton queue`. */
export async function baseTip(root: string, base: string): Promise<string | undefined> {
  const r = await runGit(root, ['rev-parse', '--short', `refs/heads/${base}`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/**
 * "Resolve in editor": lays the conflicting merge out in the scratch tree (markers in the files, a merge in
 * progress) for the merge editor. The base, the task branch and every other tree stay as they are.
 */
export async function startResolution(layout: BatonLayout, taskId: string, base: string): Promise<{ dir: string; files: string[] }> {
  const [old, tip] = await Promise.all([branchTip(layout.root, base), branchTip(layout.root, branchName(taskId))]);
  if (!old || !tip) throw new Error(`"${taskId}" has no branch ${branchName(taskId)} to merge into ${base}.`);
  const dir = resolutionDir(layout, taskId);
  const files = await startConflictedMerge(layout.root, dir, old, tip);
  appendEvent(layout.events(taskId), { type: 'resolving', at: new Date().toISOString(), base, base_commit: old, branch_commit: tip, files });
  return { dir, files };
}

/**
 * Continues the queue from a resolution: the resolved tree becomes a commit on the task branch (the base
 * merged into it), and the task is queued again, so the usual path (gates on the merged tree, swap) lands it.
 */
export async function finishResolution(layout: BatonLayout, entry: Omit<QueueEntry, 'queued_at'>): Promise<number> {
  const started = readEvents(layout.events(entry.task)).filter((e) => e.type === 'resolving').at(-1);
  if (!started) throw new Error(`There is no merge of "${entry.task}" being resolved.`);
  const dir = resolutionDir(layout, entry.task);
  // Saved files without conflict markers count as resolved (the merge editor's "Complete Merge" also stages them).
  const markers = (await runGit(dir, ['grep', '-l', '--no-index', '-E', '^(<<<<<<<|>>>>>>>)( |$)', '--', ...(started.files as string[])])).stdout.trim();
  if (markers) throw new Error(`Some conflicts are not resolved yet: ${markers.split('\n').join(', ')}. Resolve them (and save), then continue.`);
  const branch = branchName(entry.task);
  const tip = String(started.branch_commit);
  const resolved = await commitScratch(dir, [tip, String(started.base_commit)], `Merge ${entry.base} into ${branch} (conflicts resolved)`);
  // The task's worktree (if it still has the branch checked out) moves along, so it holds no stray changes.
  if (!(await advance(layout.root, branch, tip, resolved, 'baton: conflicts resolved')).ok) {
    throw new Error(`${branch} changed while you resolved (did its worker commit?). Approve it again to merge what it holds now.`);
  }
  appendEvent(layout.events(entry.task), { type: 'resolved', at: new Date().toISOString(), commit: resolved });
  await removeScratch(layout.root, dir);
  return enqueue(layout, { ...entry, queued_at: new Date().toISOString() });
}
