// Reads every worker's state from `.baton/runs/`, and watches that folder (never the worktrees) so a
// heartbeat write becomes a state change within milliseconds. The files are the truth: a reloaded window,
// a second window and `baton status` all read the same answer.
import { mkdirSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { readEvents, type RunEvent } from './events';
import { readHeartbeat, type Heartbeat } from './heartbeat';
import { readLaunch, type LaunchRecord } from './launches';
import type { BatonLayout } from './layout';
import { TASK_ID_PATTERN } from '../plan/model';
import { pidAlive, workerState, type Liveness, type WorkerView } from './workerState';

export interface WorkerRecord {
  view: WorkerView;
  /**
   * Set when the latest heartbeat could not be read (the view then comes from the last good one), or
   * was read but holds something its writer should fix (an unknown status word).
   */
  problem?: string;
}

/** Events that settle what happened to the latest launch (a new launch clears them). */
const OUTCOMES = new Set(['prepare', 'launch', 'exit', 'stopped', 'approved', 'queued', 'merge_waiting', 'conflict', 'integration_failed', 'merge_refused', 'rebase_requested', 'discarded']);

/** The files whose change can change a worker's state. */
const WATCHED_FILES = new Set(['heartbeat.json', 'events.jsonl', 'launch.json']);

/** What a file looked like: any write (in place or by rename) changes one of these. */
function stat(file: string): { signature: string; mtime?: Date } {
  const st = statSync(file, { throwIfNoEntry: false });
  return st ? { signature: `${st.ino}:${st.size}:${st.mtimeMs}`, mtime: st.mtime } : { signature: '-' };
}

interface TaskCache {
  heartbeat?: Heartbeat;
  problem?: string;
  lastExit?: RunEvent;
  launch?: LaunchRecord;
  /** Signatures of heartbeat.json, events.jsonl and launch.json, taken before they were last read. */
  heartbeatSignature?: string;
  eventsSignature?: string;
  launchSignature?: string;
}

export class RunStore {
  private cache = new Map<string, TaskCache>();

  constructor(
    private readonly layout: BatonLayout,
    private readonly timeoutSeconds: () => number,
    private readonly isAlive: (pid: number) => boolean = pidAlive,
  ) {}

  /** Task ids that have a run folder. */
  taskIds(): string[] {
    try {
      return readdirSync(this.layout.runsDir).filter((name) => TASK_ID_PATTERN.test(name));
    } catch {
      return [];
    }
  }

  /**
   * One stat of each file that decides the task's state: cheap enough to take every second for every task.
   * With `only`, the others are taken as last seen (a watch event named the file that changed).
   */
  private signatures(taskId: string, only?: string) {
    const c = this.cache.get(taskId);
    const take = (name: string, file: string, last: string | undefined) => (only && only !== name && last !== undefined ? { signature: last } : stat(file));
    return {
      heartbeat: take('heartbeat.json', this.layout.heartbeat(taskId), c?.heartbeatSignature),
      events: take('events.jsonl', this.layout.events(taskId), c?.eventsSignature),
      launch: take('launch.json', this.layout.launch(taskId), c?.launchSignature),
    };
  }

  /** Whether the task's files changed since they were last read (a write the watcher did not report). */
  changedOnDisk(taskId: string): boolean {
    const c = this.cache.get(taskId);
    const now = this.signatures(taskId);
    return c?.heartbeatSignature !== now.heartbeat.signature || c.eventsSignature !== now.events.signature || c.launchSignature !== now.launch.signature;
  }

  /**
   * Re-reads what changed in one task's files; undefined when it never had a worker. `only`: the one file
   * a watch event named (heartbeat.json, events.jsonl or launch.json).
   */
  read(taskId: string, now = new Date(), only?: string): WorkerRecord | undefined {
    // Stat first, read after: a write landing during the read then shows up as a change at the next look.
    // A file whose stat has not changed is not read again (a write raises several watch events).
    const sig = this.signatures(taskId, only);
    const c = this.cache.get(taskId) ?? {};
    this.cache.set(taskId, c);
    if (sig.heartbeat.signature !== c.heartbeatSignature) {
      c.heartbeatSignature = sig.heartbeat.signature;
      const hb = readHeartbeat(this.layout.heartbeat(taskId), taskId, sig.heartbeat.mtime);
      c.problem = hb.problem;
      if (hb.ok) c.heartbeat = hb.heartbeat;
      else if (hb.missing) {
        c.heartbeat = undefined;
        c.problem = undefined;
      }
    }
    if (!c.heartbeat) return undefined;
    let outcomesChanged = false;
    if (sig.launch.signature !== c.launchSignature) {
      c.launchSignature = sig.launch.signature;
      c.launch = readLaunch(this.layout, taskId);
      outcomesChanged = true;
    }
    if (sig.events.signature !== c.eventsSignature || outcomesChanged) {
      c.eventsSignature = sig.events.signature;
      const launchId = c.launch?.launch_id;
      // Outcomes of another launch (an older session's late "stopped") never decide this one's state.
      const outcomes = readEvents(this.layout.events(taskId)).filter((e) => OUTCOMES.has(e.type) && !(launchId && typeof e.launch === 'string' && e.launch !== launchId));
      const last = outcomes.at(-1);
      c.lastExit = last?.type === 'launch' || last?.type === 'prepare' || last?.type === 'rebase_requested' ? undefined : last;
    }
    return this.view(c, now);
  }

  /** Current state without re-reading anything: what the stall timer needs every second. */
  refresh(taskId: string, now = new Date()): WorkerRecord | undefined {
    const c = this.cache.get(taskId);
    if (!c?.heartbeat) return this.read(taskId, now);
    return this.view(c, now);
  }

  readAll(now = new Date()): Map<string, WorkerRecord> {
    const out = new Map<string, WorkerRecord>();
    for (const id of this.taskIds()) {
      const r = this.read(id, now);
      if (r) out.set(id, r);
    }
    return out;
  }

  private view(c: TaskCache, now: Date): WorkerRecord {
    // The supervisor's pid as it recorded it in launch.json wins: a worker writes its heartbeat, and may
    // leave the pid out or name another process. (Only liveSupervisor's check leads to a signal.)
    const heartbeat = { ...c.heartbeat!, pid: c.launch?.pid ?? c.heartbeat!.pid, started_at: c.heartbeat!.started_at ?? c.launch?.at };
    const view = workerState(heartbeat, c.lastExit, this.liveness(now));
    return c.problem ? { view, problem: c.problem } : { view };
  }

  private liveness(now: Date): Liveness {
    return { now, timeoutSeconds: this.timeoutSeconds(), isAlive: this.isAlive };
  }
}

export interface WorkerChange {
  task: string;
  record: WorkerRecord | undefined;
}

/**
 * Watches `.baton/runs/` and each `runs/<task>/` folder with its own non-recursive fs.watch, plus a
 * reconciliation pass about once a second. Calls `onChange` only when a task's state, activity, reason
 * or problem changed.
 *
 * Why folders, not the tree: Node 20's recursive fs.watch on Linux stops reporting a file once it has
 * been replaced by rename a few times, and the protocol asks workers to write by rename. A watch on the
 * folder itself sees every rename into it. (chokidar does the same with more machinery and added
 * latency: `npm run bench` compares the three.) The pass stats each task's files and re-reads those that
 * changed, so anything a watcher still drops is corrected within about a second; it also ticks stalls.
 */
export class RunWatcher {
  private runsWatcher?: FSWatcher;
  private readonly folders = new Map<string, FSWatcher>();
  private timer?: NodeJS.Timeout;
  private shown = new Map<string, string>();
  private disposed = false;

  constructor(
    private readonly store: RunStore,
    private readonly layout: BatonLayout,
    private readonly onChange: (change: WorkerChange) => void,
    private readonly reconcileMs = 1000,
  ) {}

  start(): void {
    this.layout.ensureBatonDir();
    mkdirSync(this.layout.runsDir, { recursive: true });
    this.runsWatcher = watch(this.layout.runsDir, (_event, name) => {
      const task = name?.toString();
      if (task && TASK_ID_PATTERN.test(task)) {
        this.watchTask(task);
        this.check(task, this.store.read(task));
      }
    });
    this.runsWatcher.on('error', () => undefined); // the folder went away (e.g. deleted by hand): the pass still runs
    for (const id of this.store.taskIds()) {
      this.watchTask(id);
      this.check(id, this.store.read(id));
    }
    this.timer = setInterval(() => this.reconcile(), this.reconcileMs);
    this.timer.unref();
  }

  /**
   * The once-a-second pass: new run folders get a watch, changed files are re-read, the rest only have
   * their stall clock checked. Public so that a test can run it at a moment of its choosing.
   */
  reconcile(now = new Date()): void {
    if (this.disposed) return;
    const ids = new Set(this.store.taskIds());
    for (const id of ids) {
      this.watchTask(id);
      this.check(id, this.store.changedOnDisk(id) ? this.store.read(id, now) : this.store.refresh(id, now));
    }
    for (const id of [...this.shown.keys()]) if (!ids.has(id)) this.check(id, undefined);
  }

  private watchTask(task: string): void {
    if (this.disposed || this.folders.has(task)) return;
    try {
      const w = watch(this.layout.runDir(task), (_event, name) => {
        const file = name?.toString();
        // Temp files and lock folders come and go around every write; the rename onto the real name is the write.
        if (!file || WATCHED_FILES.has(file)) this.check(task, this.store.read(task, new Date(), file));
      });
      w.on('error', () => {
        w.close();
        this.folders.delete(task); // deleted: the pass watches it again if it comes back
      });
      this.folders.set(task, w);
    } catch {
      // not there (yet): the pass tries again
    }
  }

  private check(task: string, record: WorkerRecord | undefined): void {
    const key = record ? [record.view.state, record.view.activity ?? '', record.view.reason ?? '', record.problem ?? '', record.view.checkpointError ?? ''].join('\u0000') : '';
    if (this.shown.get(task) === key || (!record && !this.shown.has(task))) return;
    if (record) this.shown.set(task, key);
    else this.shown.delete(task);
    this.onChange({ task, record });
  }

  dispose(): void {
    this.disposed = true;
    this.runsWatcher?.close();
    for (const w of this.folders.values()) w.close();
    this.folders.clear();
    if (this.timer) clearInterval(this.timer);
  }
}
