// Reads every worker's state from `.baton/runs/`, and watches that folder (never the worktrees) so a
// heartbeat write becomes a state change within milliseconds. The files are the truth: a reloaded window,
// a second window and `baton status` all read the same answer.
import { mkdirSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { readEvents, type RunEvent } from './events';
import { readHeartbeat, type Heartbeat } from './heartbeat';
import type { BatonLayout } from './layout';
import { TASK_ID_PATTERN } from '../plan/model';
import { pidAlive, workerState, type Liveness, type WorkerView } from './workerState';

export interface WorkerRecord {
  view: WorkerView;
  /** Set when the latest heartbeat could not be read (the view then comes from the last good one). */
  problem?: string;
}

/** Events that settle what happened to the latest launch (a new launch clears them). */
const OUTCOMES = new Set(['prepare', 'launch', 'exit', 'stopped', 'approved']);

export class RunStore {
  private lastGood = new Map<string, Heartbeat>();
  private lastExit = new Map<string, RunEvent | undefined>();

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

  /** Re-reads one task's files; undefined when it never had a worker. */
  read(taskId: string, now = new Date()): WorkerRecord | undefined {
    const hb = readHeartbeat(this.layout.heartbeat(taskId), taskId);
    let problem: string | undefined;
    if (hb.ok) this.lastGood.set(taskId, hb.heartbeat);
    else if (!hb.missing) problem = hb.problem;
    else this.lastGood.delete(taskId);
    const heartbeat = this.lastGood.get(taskId);
    if (!heartbeat) return undefined;
    const exits = readEvents(this.layout.events(taskId)).filter((e) => OUTCOMES.has(e.type));
    const last = exits.at(-1);
    this.lastExit.set(taskId, last?.type === 'launch' || last?.type === 'prepare' ? undefined : last);
    return { view: workerState(heartbeat, this.lastExit.get(taskId), this.liveness(now)), problem };
  }

  /** Current state without re-reading events: what the stall timer needs every second. */
  refresh(taskId: string, now = new Date()): WorkerRecord | undefined {
    const heartbeat = this.lastGood.get(taskId);
    if (!heartbeat) return this.read(taskId, now);
    return { view: workerState(heartbeat, this.lastExit.get(taskId), this.liveness(now)) };
  }

  readAll(now = new Date()): Map<string, WorkerRecord> {
    const out = new Map<string, WorkerRecord>();
    for (const id of this.taskIds()) {
      const r = this.read(id, now);
      if (r) out.set(id, r);
    }
    return out;
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
 * Watches `.baton/runs/` with fs.watch (recursive; on Linux Node sets an inotify watch per folder) and a
 * one-second timer for stalls. Calls `onChange` only when a task's state, activity or reason changed.
 * Atomic writes (temp file + rename) mean no "wait until the write finishes" delay is needed.
 */
export class RunWatcher {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private shown = new Map<string, string>();

  constructor(
    private readonly store: RunStore,
    private readonly layout: BatonLayout,
    private readonly onChange: (change: WorkerChange) => void,
  ) {}

  start(): void {
    this.layout.ensureBatonDir();
    mkdirSync(this.layout.runsDir, { recursive: true });
    this.watcher = watch(this.layout.runsDir, { recursive: true }, (_event, name) => {
      const task = name?.toString().split(/[\\/]/)[0];
      if (task && TASK_ID_PATTERN.test(task)) this.check(task, this.store.read(task));
    });
    this.watcher.on('error', () => undefined); // the folder went away (e.g. deleted by hand): the timer still runs
    for (const id of this.store.taskIds()) this.check(id, this.store.read(id));
    this.timer = setInterval(() => {
      for (const id of this.shown.keys()) this.check(id, this.store.refresh(id));
    }, 1000);
    this.timer.unref();
  }

  private check(task: string, record: WorkerRecord | undefined): void {
    const key = record ? `${record.view.state}\u0000${record.view.activity ?? ''}\u0000${record.view.reason ?? ''}` : '';
    if (this.shown.get(task) === key) return;
    if (record) this.shown.set(task, key);
    else this.shown.delete(task);
    this.onChange({ task, record });
  }

  dispose(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }
}
