// The one run engine behind the extension and `baton run`: which tasks to start (scheduler.ts), saving the
// work of stalled or vanished workers, approvals and the merge queue, and auto-approval. How a worker is
// launched is the caller's (a terminal in VS Code, a detached process headless).
import type { ConflictGroup } from '../graph/analysis';
import { branchTipFromFiles } from '../git/merge';
import { testedState, workState, type WorkState } from '../git/workState';
import type { Plan } from '../plan/model';
import { approveTask, gatesNotPassed } from './approve';
import { gatesStale } from './gates';
import type { BatonLayout } from './layout';
import { readResult } from './result';
import { processQueue, readQueue, recoverQueue, type GateRun, type GateRunner, type MergeResult, type PlannedTask, type QueueDeps } from './mergeQueue';
import { previewMerge, readMergePreview } from './mergePreview';
import { RerunningPass } from './rerunningPass';
import type { RunStore, WorkerRecord } from './runStore';
import { tasksToStart } from './scheduler';
import { LIVE_STATES, planStates, type TaskState } from './states';
import { checkpointAbandoned } from './supervisor';
import { pidAlive, type WorkerView } from './workerState';

export interface ControllerOptions {
  layout: BatonLayout;
  store: RunStore;
  plan: () => Plan | undefined;
  /** The plan's grouped file conflicts (an Analysis has them), so tasks that may collide do not run together. */
  conflicts?: () => readonly ConflictGroup[] | undefined;
  maxWorkers: () => number;
  /** Starts one task's worker; resolves once it is launched (not finished). */
  launch: (taskId: string, states: Map<string, TaskState>) => Promise<void>;
  runGates: GateRunner;
  /**
   * The task as the plan says at this moment, for the merge queue (its base and the gates it runs on the
   * merged tree); undefined when the plan has no such task. Read afresh each time, never from queue.json.
   */
  planTask: (taskId: string) => PlannedTask | undefined;
  /** The latest gate results in the task's worktree (result.json). */
  gateResults: (taskId: string) => readonly GateRun[] | undefined;
  /** Records gate results run by auto-approval (result.json), with the state of the work they ran on. */
  recordGates?: (taskId: string, results: GateRun[], ranOn: WorkState | undefined) => Promise<void>;
  /** Removes the task's worktree and branch once merged (the caller knows the "keep" setting). */
  cleanup?: QueueDeps['cleanup'];
  mergeStyle: () => 'merge' | 'squash';
  onMerge?: (result: MergeResult) => void;
  /** A task's merge preview was made (mergePreview.ts): views that show it redraw. */
  onPreview?: (taskId: string) => void;
  /** A launch failed: say so; the engine stops starting more this round. */
  onLaunchError?: (taskId: string, error: Error) => void;
  signal?: AbortSignal;
}

export class RunController {
  /** Launched a moment ago and not yet seen in a heartbeat: counts as starting. */
  private readonly launching = new Set<string>();
  private starting?: Promise<string[]>;
  /** Merges whatever is queued; after a merge, the previews of the tasks still in review are made again. */
  private readonly merging = new RerunningPass<MergeResult>(
    () => processQueue(this.queueDeps()),
    () => this.o.signal?.aborted === true,
    // Started after the callers' own work (starting the dependents), which the person waits on.
    (all) => {
      if (all.some((m) => m.outcome === 'merged')) setImmediate(() => void this.refreshPreviews());
    },
  );
  /** Tasks whose gates auto-approval already ran and saw fail: not run again until the task changes. */
  private readonly gatesFailed = new Set<string>();

  constructor(private readonly o: ControllerOptions) {}

  /** Every task's state: the plan's blocked/ready with the workers' files laid over it. */
  states(plan = this.o.plan()): Map<string, TaskState> {
    if (!plan) return new Map();
    const workers = this.workers(plan);
    const approved = new Set([...workers].filter(([, w]) => w.state === 'approved').map(([id]) => id));
    const states = planStates(plan, approved, workers);
    for (const id of this.launching) if (states.get(id) === 'ready') states.set(id, 'starting');
    return states;
  }

  workers(plan = this.o.plan()): Map<string, WorkerView> {
    const ids = new Set(plan?.tasks.map((t) => t.id));
    return new Map([...this.o.store.readAll()].filter(([id]) => ids.has(id)).map(([id, r]) => [id, r.view]));
  }

  /** Starts ready tasks up to the worker limit, longest remaining path first; one round at a time. */
  startReady(): Promise<string[]> {
    this.starting ??= this.startRound().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startRound(): Promise<string[]> {
    const plan = this.o.plan();
    if (!plan || this.o.signal?.aborted) return [];
    const states = this.states(plan);
    const started: string[] = [];
    // Live workers of tasks no longer in the plan (renamed, removed) still hold a slot.
    const elsewhere = [...this.o.store.readAll()].filter(([id, r]) => !states.has(id) && LIVE_STATES.has(r.view.state)).length;
    for (const id of tasksToStart(plan, states, this.o.maxWorkers(), this.o.conflicts?.(), elsewhere)) {
      if (this.o.signal?.aborted) break;
      this.launching.add(id);
      try {
        await this.o.launch(id, states);
        started.push(id);
        states.set(id, 'starting');
      } catch (e) {
        this.launching.delete(id);
        this.o.onLaunchError?.(id, e as Error);
        break;
      }
    }
    return started;
  }

  /**
   * A worker's files changed. A stalled worker, or one whose supervisor vanished without recording an
   * exit, cannot save its own work any more: commit it on its branch now, once per change of state.
   */
  onWorkerChange(task: string, record: WorkerRecord | undefined, before: TaskState | undefined): Promise<unknown> {
    if (record) this.launching.delete(task);
    if (record?.view.state !== 'review') this.gatesFailed.delete(task);
    if (!record || record.view.state === before) return Promise.resolve();
    const v = record.view;
    if (v.state === 'stalled' || (v.state === 'failed' && v.exitCode === undefined)) {
      return checkpointAbandoned(this.o.layout, task, v.state === 'stalled' ? 'stalled' : 'is gone');
    }
    if (v.state === 'review') return this.preview(task);
    return Promise.resolve();
  }

  /**
   * The task's merge preview (mergePreview.ts), made now; a failure only means there is none to show. Views
   * hear of it only when it changed: each redraw of a tree is a moment in which a click on a row's button
   * reaches its command without the row.
   */
  private preview(task: string): Promise<unknown> {
    const base = this.o.plan()?.base;
    if (!base) return Promise.resolve();
    const before = readMergePreview(this.o.layout, task)?.at;
    return previewMerge(this.o.layout, task, base).then(
      (made) => made && made.at !== before && this.o.onPreview?.(task),
      () => undefined,
    );
  }

  /**
   * After the base moved: the previews of the tasks still in review, made again against it, one by one
   * (a preview that is still current costs no git process).
   */
  private readonly previewing = new RerunningPass<never>(async () => {
    for (const [id, state] of this.states()) if (state === 'review' && !this.o.signal?.aborted) await this.preview(id);
    return [];
  }, () => this.o.signal?.aborted === true);
  private baseSeen?: string;

  private async refreshPreviews(): Promise<void> {
    await this.previewing.run();
  }

  /**
   * The base moved by anyone (the person's own commit, a pull): the tasks in review are previewed against it
   * again, so a conflict shows before Approve. Cheap enough to call every few seconds: one ref file read.
   */
  followBase(): Promise<void> {
    const base = this.o.plan()?.base;
    const tip = base ? branchTipFromFiles(this.o.layout.root, base) : undefined;
    if (!tip || tip === this.baseSeen) return Promise.resolve();
    this.baseSeen = tip;
    return this.refreshPreviews();
  }

  /** A worker's process ended: if its supervisor was killed before recording the exit, save its work now. */
  onWorkerExit(taskId: string): Promise<unknown> {
    this.launching.delete(taskId);
    const after = this.o.store.read(taskId)?.view;
    if (after?.state === 'failed' && after.exitCode === undefined) return checkpointAbandoned(this.o.layout, taskId, 'is gone');
    return Promise.resolve();
  }

  /** Queues a task (the checks of approve.ts) and merges the queue; resolves with its place in the queue. */
  async approve(taskId: string, force = false, stopWorker?: (pid: number) => Promise<unknown>): Promise<number> {
    const plan = this.o.plan();
    if (!plan) throw new Error('There is no plan.');
    const states = this.states(plan);
    const position = await approveTask({
      layout: this.o.layout,
      plan,
      taskId,
      states,
      gateResults: this.o.gateResults(taskId),
      force,
      style: this.o.mergeStyle(),
      stopWorker,
    });
    return position;
  }

  /** Merges whatever is queued; a call while merging makes the running pass look again. */
  processQueue(): Promise<MergeResult[]> {
    return this.merging.run();
  }

  /** On start: finishes or forgets a merge that a killed run left half-way (the base is never half-merged). */
  recover(): Promise<MergeResult[]> {
    return recoverQueue(this.queueDeps());
  }

  queued(): string[] {
    return readQueue(this.o.layout).entries.map((e) => e.task);
  }

  /**
   * Auto-approval: every task in review whose gates pass (run here, in its worktree, when they have not been
   * run yet) joins the queue. A task whose gates fail stays in review, with the results recorded.
   */
  async autoApprove(): Promise<{ approved: string[]; gatesFailed: string[] }> {
    const plan = this.o.plan();
    const approved: string[] = [];
    const gatesFailed: string[] = [];
    if (!plan) return { approved, gatesFailed };
    for (const [id, state] of this.states(plan)) {
      if (state !== 'review' || this.o.signal?.aborted) continue;
      // A headless worker says it is done (Stop hook) a moment before its process ends: let it end first.
      const pid = this.o.store.read(id)?.view.pid;
      if (pid !== undefined && pidAlive(pid)) continue;
      if (this.gatesFailed.has(id)) {
        gatesFailed.push(id);
        continue;
      }
      const task = plan.tasks.find((t) => t.id === id)!;
      const needsRun = task.gates.length > 0 && (gatesNotPassed(task.gates, this.o.gateResults(id)).length > 0 || (await gatesStale(this.o.layout, id, readResult(this.o.layout, id))) !== undefined);
      if (needsRun) {
        const ranOn = await workState(this.o.layout.root, this.o.layout.worktree(id)).catch(() => undefined);
        const ran = await this.o.runGates(this.o.layout.worktree(id), task.gates, { signal: this.o.signal, outputDir: this.o.layout.gatesDir(id) });
        await this.o.recordGates?.(id, ran, testedState(ranOn, await workState(this.o.layout.root, this.o.layout.worktree(id)).catch(() => undefined)));
        if (gatesNotPassed(task.gates, ran).length) {
          this.gatesFailed.add(id);
          gatesFailed.push(id);
          continue;
        }
      }
      await this.approve(id);
      approved.push(id);
    }
    return { approved, gatesFailed };
  }

  /** Live workers right now (by their files). */
  liveCount(): number {
    return [...this.states().values()].filter((s) => LIVE_STATES.has(s)).length;
  }

  private queueDeps() {
    return { layout: this.o.layout, planTask: this.o.planTask, runGates: this.o.runGates, cleanup: this.o.cleanup, onResult: this.o.onMerge, signal: this.o.signal };
  }
}
