// The merge queue: approved tasks wait in `.baton/queue.json` and are merged one at a time, in order, so
// the base stays green ("not rocket science" rule): merge onto the current base tip, run the gates on the
// merged tree, and only then move the base ref, with a compare-and-swap so a base that moved meanwhile is
// re-tested, never overwritten. One processor at a time per repository (a lock in .baton/), whichever
// window or `baton run` gets there first; the others only add to the queue.
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import {
  autoMaintenance,
  branchTip,
  branchTips,
  checkedOutIn,
  isAncestor,
  mergeCommit,
  type MergeOutcome,
  moveWorkingTree,
  commitScratch,
  prepareScratch,
  removeScratch,
  runGit,
  startConflictedMerge,
  swapRef,
} from '../git/merge';
import { TASK_ID_PATTERN } from '../plan/model';
import { appendEvent, readEvents } from './events';
import { branchName, type BatonLayout } from './layout';
import { changedPaths, statePaths, stateRefusal } from './stateFolder';
import { testPause } from './testPause';

export interface QueueEntry {
  task: string;
  title?: string;
  base: string;
  /** The gates at approval, for the record only: the gates that run are the plan's (QueueDeps.planTask). */
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
  /** Entries left out as unreadable (what was wrong with each); the next write of the queue drops them. */
  skipped?: string[];
}

/** What the plan says of a task now: the branch it merges into and the gates it must pass there. */
export interface PlannedTask {
  base: string;
  gates: readonly string[];
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
  /**
   * The task as the plan has it at this moment (undefined: no longer in the plan). The gates that run, and
   * the base, come from here: queue.json lives in `.baton/`, where a worker may have written.
   */
  planTask: (taskId: string) => PlannedTask | undefined;
  /** Runs the gates on the merged tree. */
  runGates: GateRunner;
  /** Removes the task's worktree and branch after its merge (unless the person keeps them); `style`: the entry's. */
  cleanup?: (taskId: string, style: 'merge' | 'squash' | undefined) => Promise<void>;
  /** Called after each task, in queue order. */
  onResult?: (result: MergeResult) => void;
  /** Ctrl-C: finish nothing half-way; stop before the next base move. */
  signal?: AbortSignal;
  /** How long a git lock file (another git command's index.lock) is waited for before the entry is refused. */
  gitLockWaitMs?: number;
}

/**
 * The processor's lock: refreshed every 2 s while held, taken over by another processor only once it has
 * not been refreshed for 30 s (a killed run; a machine that slept). A lock found lost ends the pass before
 * the base moves again: another processor may be merging the same queue.
 */
const PROCESSOR_LOCK = { stale: 30_000, update: 2000, realpath: false } as const;
/** queue.json's own lock is held for one read-modify-write (milliseconds). */
const QUEUE_LOCK = { stale: 5000, update: 1000, realpath: false } as const;
/** A lock file another git command holds (the person's commit, their editor's status refresh) is waited for this long. */
const GIT_LOCK_WAIT_MS = 30_000;

export function queueFile(layout: BatonLayout): string {
  return join(layout.dir, 'queue.json');
}

/** Held by whoever is merging (`merge.lock`, next to it); the file itself need not exist. */
function processorLock(layout: BatonLayout): string {
  return join(layout.dir, 'merge');
}

/** The pid of the processor that took the lock last (`merge.owner`), so a killed one's lock need not be waited out. */
function lockOwner(file: string): string {
  return `${file}.owner`;
}

/** The processor's lock, taken now or not at all, with its holder's pid written next to it. */
async function lockProcessor(file: string, onCompromised: (e: Error) => void): Promise<() => void | Promise<void>> {
  const release = await lockNow(file, PROCESSOR_LOCK, undefined, onCompromised);
  try {
    writeFileSync(lockOwner(file), `${process.pid}\n`);
  } catch {
    // only a shortcut for the next start: without it a killed run's lock is waited out
  }
  return release;
}

export function scratchDir(layout: BatonLayout): string {
  return join(layout.dir, 'merge-scratch');
}

/** Where a conflicting merge is laid out for the person to resolve (one per task, apart from the queue's own). */
export function resolutionDir(layout: BatonLayout, taskId: string): string {
  return join(layout.dir, 'resolve', branchName(taskId).replace('/', '-'));
}

/** queue.json cannot be read as a queue: nothing is merged or written until the person fixes or removes it. */
export class QueueFileError extends Error {}

/**
 * The queue, checked: a missing file is an empty queue; a file that is not a queue is a QueueFileError
 * (never read as empty, which the next approval would write over); an entry that is not one is skipped
 * and said so in `skipped`.
 */
export function readQueue(layout: BatonLayout): QueueFile {
  const file = queueFile(layout);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [] };
    throw new QueueFileError(`The merge queue ${file} cannot be read: ${(e as Error).message}. Nothing was merged.`);
  }
  let q: unknown;
  try {
    q = JSON.parse(text);
  } catch (e) {
    throw new QueueFileError(`The merge queue ${file} is not valid JSON (${(e as Error).message}); it was left as it is and nothing was merged. Fix it, or delete it and approve the tasks again.`);
  }
  if (!isRecord(q) || !Array.isArray(q.entries)) {
    throw new QueueFileError(`The merge queue ${file} does not hold a queue (an object with "entries"); it was left as it is and nothing was merged. Fix it, or delete it and approve the tasks again.`);
  }
  const entries: QueueEntry[] = [];
  const skipped: string[] = [];
  for (const [i, e] of q.entries.entries()) {
    const problem = entryProblem(e);
    if (problem) skipped.push(`entry ${i + 1}: ${problem}`);
    else if (entries.some((x) => x.task === (e as QueueEntry).task)) skipped.push(`entry ${i + 1}: "${(e as QueueEntry).task}" is queued already`);
    else entries.push(queueEntry(e as QueueEntry));
  }
  const current = inFlight(q.current);
  if (q.current !== undefined && !current) skipped.push('the merge in progress ("current") is not one');
  return { entries, ...(current ? { current } : {}), ...(skipped.length ? { skipped } : {}) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const isBranch = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 256 && !/^-|\.\.|[\s~^:?*[\\\0]/.test(v);

function entryProblem(e: unknown): string | undefined {
  if (!isRecord(e)) return 'not an object';
  if (typeof e.task !== 'string' || !TASK_ID_PATTERN.test(e.task)) return `task ${JSON.stringify(e.task)} is not a task id`;
  if (!isBranch(e.base)) return `"${e.task}": base ${JSON.stringify(e.base)} is not a branch name`;
  if (e.style !== 'merge' && e.style !== 'squash') return `"${e.task}": style must be "merge" or "squash"`;
  if (typeof e.queued_at !== 'string') return `"${e.task}": queued_at is missing`;
  if (!Array.isArray(e.gates) || !e.gates.every((g) => typeof g === 'string')) return `"${e.task}": gates must be a list of text`;
  if (e.title !== undefined && typeof e.title !== 'string') return `"${e.task}": title must be text`;
  const p = e.prepared;
  if (p !== undefined && !(isRecord(p) && [p.base, p.branch, p.commit].every((x) => typeof x === 'string' && SHA.test(x)))) return `"${e.task}": prepared must name three commits`;
  return undefined;
}

/** Only the known fields, so nothing else written into the file travels on with the entry. */
function queueEntry(e: QueueEntry): QueueEntry {
  return {
    task: e.task,
    ...(e.title !== undefined ? { title: e.title } : {}),
    base: e.base,
    gates: e.gates,
    queued_at: e.queued_at,
    ...(e.forced === true ? { forced: true } : {}),
    style: e.style,
    ...(e.prepared ? { prepared: { base: e.prepared.base, branch: e.prepared.branch, commit: e.prepared.commit } } : {}),
  };
}

function inFlight(c: unknown): InFlight | undefined {
  if (!isRecord(c) || typeof c.task !== 'string' || !TASK_ID_PATTERN.test(c.task) || !isBranch(c.base)) return undefined;
  if (typeof c.old !== 'string' || !SHA.test(c.old) || typeof c.new !== 'string' || !SHA.test(c.new)) return undefined;
  return { task: c.task, base: c.base, old: c.old, new: c.new };
}

/**
 * Takes a lock without leaving the event loop when it is free (the usual case): each asynchronous file
 * operation is a wait for a thread, and on a busy machine those waits, not the work, made up much of an
 * approval's time. Only a lock that is held is waited for, with `retries` (none: fail at once).
 */
async function lockNow(
  file: string,
  options: typeof PROCESSOR_LOCK | typeof QUEUE_LOCK,
  retries?: { retries: number; minTimeout: number; maxTimeout: number },
  onCompromised: (e: Error) => void = () => undefined,
): Promise<() => void | Promise<void>> {
  try {
    return lockfile.lockSync(file, { ...options, onCompromised });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED' || !retries) throw e;
  }
  return lockfile.lock(file, { ...options, retries, onCompromised });
}

/** Lets go of a lock; one found lost (compromised) is no longer ours to remove. */
async function releaseQuietly(release: () => void | Promise<void>): Promise<void> {
  try {
    await release();
  } catch {
    // ENOTACQUIRED / ERELEASED: whoever holds it now keeps it
  }
}

/** Whether the pid recorded by the lock's last holder is no longer a process (same machine: pids are local). */
function ownerGone(file: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lockOwner(file), 'utf8').trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Read-modify-write of queue.json under its own short lock (several windows and CLIs may approve at once). */
async function editQueue<T>(layout: BatonLayout, edit: (q: QueueFile) => T): Promise<T> {
  let release: () => void | Promise<void>;
  try {
    layout.ensureBatonDir();
    release = await lockNow(queueFile(layout), QUEUE_LOCK, { retries: 200, minTimeout: 5, maxTimeout: 50 });
  } catch (e) {
    throw queueWriteError(layout, e);
  }
  try {
    const q = readQueue(layout);
    delete q.skipped;
    const out = edit(q);
    // Sync under the lock: the async variant costs several times more, and this is on every merge's path.
    // Written to a temporary file and renamed over queue.json: a write that fails leaves the old file whole.
    try {
      writeFileAtomic.sync(queueFile(layout), JSON.stringify(q, null, 2) + '\n', { fsync: false });
    } catch (e) {
      throw queueWriteError(layout, e);
    }
    return out;
  } finally {
    await releaseQuietly(release);
  }
}

/**
 * The merges prepared at approval by this process. Only these are moved to as they are: `prepared` in
 * queue.json could name any commit, and the base must get the merge of what the person reviewed.
 */
const preparedHere = new Set<string>();
const preparedKey = (p: NonNullable<QueueEntry['prepared']>) => `${p.base} ${p.branch} ${p.commit}`;
/** The queue could not be written (a full disk, a read-only .baton/); its message says so plainly. */
export class QueueWriteError extends Error {}

function queueWriteError(layout: BatonLayout, e: unknown): QueueWriteError {
  const err = e as NodeJS.ErrnoException;
  const why =
    err.code === 'ENOSPC' ? 'the disk is full' : err.code === 'EROFS' || err.code === 'EACCES' || err.code === 'EPERM' ? 'the folder is read-only' : err.message;
  return new QueueWriteError(`Could not write the merge queue ${queueFile(layout)}: ${why}${err.code ? ` (${err.code})` : ''}. The queue file is as it was; free some space or make the folder writable, then try again.`);
}

/** Puts a task at the end of the queue (once) and records `queued`. */
export async function enqueue(layout: BatonLayout, entry: QueueEntry): Promise<number> {
  if (entry.prepared) preparedHere.add(preparedKey(entry.prepared));
  const position = await editQueue(layout, (q) => {
    const at = q.entries.findIndex((e) => e.task === entry.task);
    if (at !== -1) return at;
    q.entries.push(entry);
    return q.entries.length - 1;
  });
  await testPause('queued');
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
    // Lost (taken over after a stall, or removed): this pass stops before the base moves again.
    const lost = new AbortController();
    try {
      release = await lockProcessor(processorLock(layout), (e) => lost.abort(e));
    } catch {
      return results; // another window or `baton run` is merging
    }
    const pass: QueueDeps = { ...deps, signal: deps.signal ? AbortSignal.any([deps.signal, lost.signal]) : lost.signal };
    try {
      await recoverLocked(pass, results);
      for (;;) {
        if (pass.signal?.aborted) break;
        const next = readQueue(layout).entries[0];
        if (!next) break;
        const result = await mergeOne(pass, next);
        if (!result) break; // interrupted before the base moved: the entry stays queued
        results.push(result);
        deps.onResult?.(result);
      }
      // The scratch tree is reused while the queue has work; an empty queue leaves no worktree behind.
      if (!lost.signal.aborted && readQueue(layout).entries.length === 0 && !readQueue(layout).current) await removeScratch(layout.root, scratchDir(layout));
    } finally {
      await releaseQuietly(release);
    }
    if (deps.signal?.aborted || lost.signal.aborted || readQueue(layout).entries.length === 0) {
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
  const lost = new AbortController();
  const release = await lockForRecovery(processorLock(layout), (e) => lost.abort(e));
  if (!release) return results; // a live processor holds it, and finishes what is half-way itself
  try {
    await recoverLocked({ ...deps, signal: deps.signal ? AbortSignal.any([deps.signal, lost.signal]) : lost.signal }, results);
  } finally {
    await releaseQuietly(release);
  }
  return results;
}

/**
 * The processor's lock for recovery: at once when free; when held by a processor that still refreshes it,
 * not at all (that one recovers itself); when its holder is gone (killed), at once if its pid says so,
 * else once the lock is stale.
 */
async function lockForRecovery(file: string, onCompromised: (e: Error) => void): Promise<(() => void | Promise<void>) | undefined> {
  const until = Date.now() + PROCESSOR_LOCK.stale + 5000;
  let seen: number | undefined;
  let aged = false;
  for (;;) {
    try {
      return await lockProcessor(file, onCompromised);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') return undefined;
    }
    if (!aged && ownerGone(file)) {
      aged = true;
      // Aged past stale, so proper-lockfile takes it over as it would any stale lock (and a holder that
      // was alive after all finds its lock lost, and stops before the base moves).
      const past = (Date.now() - 2 * PROCESSOR_LOCK.stale) / 1000;
      try {
        utimesSync(`${file}.lock`, past, past);
      } catch {
        // let go of meanwhile
      }
      continue;
    }
    // Refreshed since we last looked: its holder is alive.
    const mtime = statSync(`${file}.lock`, { throwIfNoEntry: false })?.mtimeMs;
    if (mtime === undefined) continue; // let go of just now
    if ((seen !== undefined && mtime !== seen) || Date.now() > until) return undefined;
    seen = mtime;
    await new Promise((r) => setTimeout(r, 500));
  }
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
  let prepared = entry.prepared && preparedHere.has(preparedKey(entry.prepared)) ? entry.prepared : undefined;
  for (;;) {
    // The plan as it is now says what this task merges into and which gates it passes; never the queue file.
    let planned: PlannedTask | undefined;
    try {
      planned = deps.planTask(entry.task);
    } catch (e) {
      return settle(deps, entry, { task: entry.task, outcome: 'refused', files: [], message: `the plan could not be read (${(e as Error).message}); approve it again once the plan is fixed` });
    }
    if (!planned) return settle(deps, entry, { task: entry.task, outcome: 'refused', files: [], message: `"${entry.task}" is not in the plan any more` });
    if (planned.base !== entry.base) {
      return settle(deps, entry, { task: entry.task, outcome: 'refused', files: [], message: `the plan now merges "${entry.task}" into ${planned.base}, not ${entry.base} as when it was approved; approve it again` });
    }
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
    // This commit is what the base becomes: checked here again (as at approval) for Baton's own state,
    // before any gate runs on it and before the base can move to it.
    const carried = statePaths(layout, await changedPaths(root, old, merged.commit));
    if (carried.length) return settle(deps, entry, { task: entry.task, outcome: 'refused', files: carried, message: stateRefusal(entry.task, carried) });
    await testPause('merge-commit');

    if (planned.gates.length > 0) {
      const scratch = scratchDir(layout);
      await prepareScratch(root, scratch, merged.commit);
      const gates = await deps.runGates(scratch, [...planned.gates], { signal: deps.signal, outputDir: join(layout.runDir(entry.task), 'integration') });
      if (deps.signal?.aborted) return undefined;
      if (gates.some((g) => g.exit_code !== 0)) {
        if (await stale()) continue;
        return settle(deps, entry, { task: entry.task, outcome: 'integration_failed', gates });
      }
    }
    // Stopped, or the processor's lock was lost (another processor may have merged this entry meanwhile).
    if (deps.signal?.aborted || !readQueue(layout).entries.some((e) => e.task === entry.task)) return undefined;

    // `current` says where we are, so a run killed from here on is finished or undone on the next start.
    const inFlight: InFlight = { task: entry.task, base: entry.base, old, new: merged.commit };
    await editQueue(layout, (q) => void (q.current = inFlight));
    const moved = await advance(root, entry.base, old, merged.commit, `baton: merge ${entry.task}`, {
      signal: deps.signal,
      lockWaitMs: deps.gitLockWaitMs,
      onWait: waitingForGit(deps, entry),
    });
    if (moved.ok) return finishMerge(deps, inFlight, entry);
    await editQueue(layout, (q) => void delete q.current);
    if (moved.aborted) return undefined;
    // The base moved (a commit, a reset) while we merged or tested: merge and test again on its new tip.
    // Otherwise the person's changes, or a git lock file that stayed, are in the way.
    if (!moved.baseMoved) return settle(deps, entry, { task: entry.task, outcome: 'refused', files: moved.files, message: refusal(moved.dir, entry.base, moved) });
  }
}

/** Says once per lock file, in the task's events, that its merge waits for another git command. */
function waitingForGit(deps: QueueDeps, entry: QueueEntry): (lock: string) => void {
  const said = new Set<string>();
  return (lock) => {
    if (said.has(lock)) return;
    said.add(lock);
    appendEvent(deps.layout.events(entry.task), { type: 'merge_waiting', at: new Date().toISOString(), lock });
  };
}

type Advance =
  | { ok: true }
  | { ok: false; baseMoved: true; aborted?: undefined }
  | { ok: false; baseMoved: false; aborted: true }
  | { ok: false; baseMoved: false; aborted?: undefined; dir: string; files: string[]; message: string; lock?: string };

interface AdvanceOptions {
  signal?: AbortSignal;
  /** How long to wait for a git lock file (see GIT_LOCK_WAIT_MS). */
  lockWaitMs?: number;
  /** Called while waiting for a git lock file, with its path. */
  onWait?: (lock: string) => void;
}

/**
 * Moves the base from `old` to `to`, never over a commit it did not test. The order is what makes a kill
 * at any point recoverable (recoverLocked): first every tree that has the base checked out (usually the
 * person's own) goes from `old` to `to` with a two-tree read-tree, which checks every path before it
 * writes any and refuses when their uncommitted changes are in the way; then the ref moves with a
 * compare-and-swap that names `old`; if it does not, the trees go back. A base that is no longer at `old`
 * (a commit, a `git reset`) is never moved, and a tree switched to another branch is never touched.
 */
async function advance(root: string, base: string, old: string, to: string, why: string, o: AdvanceOptions = {}): Promise<Advance> {
  if ((await branchTip(root, base)) !== old) return { ok: false, baseMoved: true };
  const trees = await checkedOutIn(root, base);
  await testPause('before-move');
  // Read again from the HEAD files (no git process): a tree switched meanwhile is no longer listed.
  const stillOnBase = async (dir: string) => (await checkedOutIn(root, base)).includes(dir);
  const moved: string[] = [];
  const back = async () => {
    for (const dir of moved.reverse()) {
      const undo = await retryOnLock(() => moveWorkingTree(dir, to, old, false), { ...o, signal: undefined });
      // Left for recovery (`current` stays): the next pass, or the next start, puts this tree back.
      if (!undo.ok) throw new Error(`${dir} could not be put back at ${base} (${old.slice(0, 10)}): ${undo.message}`);
    }
  };
  for (const dir of trees) {
    // Switched to another branch (or detached) since it was listed: not the base's tree any more.
    if (!(await stillOnBase(dir))) continue;
    const move = await retryOnLock(() => moveWorkingTree(dir, old, to, false), o);
    if (!move.ok) {
      await back();
      return { ok: false, baseMoved: false, dir, files: move.files, message: move.message, lock: move.lock };
    }
    moved.push(dir);
    // A switch that raced the move: that tree goes back, and the merge starts again from the base as it is.
    if (!(await stillOnBase(dir))) {
      await back();
      return { ok: false, baseMoved: true };
    }
  }
  await testPause('tree-moved');
  if (o.signal?.aborted) {
    await back();
    return { ok: false, baseMoved: false, aborted: true };
  }
  const swap = await retryOnLock(() => swapRef(root, base, to, old, why), o);
  if (swap.ok) {
    await testPause('ref-moved');
    return { ok: true };
  }
  await back();
  if (swap.lock) return { ok: false, baseMoved: false, dir: root, files: [], message: swap.message, lock: swap.lock };
  return { ok: false, baseMoved: true };
}

/**
 * Runs a git step again while it fails only because another git command holds a lock file (index.lock, a
 * ref's .lock): such a failure changed nothing, and the lock is usually gone in a moment. Backs off up to
 * 2 s between tries, for `lockWaitMs` in all; then returns the last failure.
 */
async function retryOnLock<T extends { ok: boolean }>(step: () => Promise<T>, o: AdvanceOptions): Promise<T> {
  const until = Date.now() + (o.lockWaitMs ?? GIT_LOCK_WAIT_MS);
  let delay = 50;
  for (;;) {
    const r = await step();
    const lock = (r as { lock?: string }).lock;
    if (r.ok || !lock || Date.now() >= until || o.signal?.aborted) return r;
    o.onWait?.(lock);
    await new Promise((done) => setTimeout(done, Math.min(delay, Math.max(0, until - Date.now()))));
    delay = Math.min(delay * 2, 2000);
  }
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
  await testPause('cleanup');
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

function refusal(dir: string, base: string, move: { files: string[]; message: string; lock?: string }): string {
  if (move.lock) {
    return `${base} could not be moved forward: git's lock file ${move.lock} stayed in place while Baton waited for it. If no git command is running (a crashed one leaves it behind), delete that file, then approve again. Nothing was changed.`;
  }
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
