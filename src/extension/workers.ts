// The workers of this workspace: what each is doing (read from .baton/runs through the engine's watcher),
// their terminals, and the actions on them. The files are the truth; this class only mirrors them, so a
// reloaded window adopts the same workers and never starts one twice.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { claudeConfigFile, isTrusted, recordTrust } from '../core/agents/claudeTrust';
import { findBatonWorktree, type BatonWorktree } from '../core/git/batonWorktree';
import { DEFAULT_PERMISSIONS, findProfile, type AgentProfile } from '../core/agents/profiles';
import { analyzePlan } from '../core/graph/analysis';
import { appendEvent, readEvents } from '../core/run/events';
import { updateHeartbeat } from '../core/run/heartbeat';
import { taskHistory, type HistoryEntry } from '../core/run/history';
import { lastSession } from '../core/run/hookIntake';
import { checkStartable, LaunchRefused, prepareLaunch, type LaunchRequest } from '../core/run/launch';
import type { PersonSandbox } from '../core/agents/sandbox';
import { BatonLayout } from '../core/run/layout';
import { readLaunch } from '../core/run/launches';
import { endRecorded } from '../core/run/processTree';
import { RunStore, RunWatcher, type WorkerRecord } from '../core/run/runStore';
import { taskOfTerminal, terminalName } from '../core/run/sessions';
import { liveSupervisor, stopSupervisor, stopTaskSupervisor } from '../core/run/supervisor';
import { canStop, pidAlive } from '../core/run/workerState';
import { personEnvironment } from '../core/run/workerEnv';
import { parsePlan } from '../core/plan/parse';
import { rebaseInstruction } from '../core/run/approve';
import { notesFileFor, recordApprovalNote } from '../core/run/approvalNotes';
import { RunController } from '../core/run/controller';
import { runGates, type GateResult } from '../core/run/gates';
import type { MergeResult } from '../core/run/mergeQueue';
import { currentMergePreview, type MergePreview } from '../core/run/mergePreview';
import { readResult, updateResult, type TaskResult } from '../core/run/result';
import { cleanupAfterMerge, keepWorktreesFromEnv } from '../core/run/cleanup';
import { LIVE_STATES, planStates, type TaskState } from '../core/run/states';
import type { PlanSnapshot, PlanSource } from './planSource';
import { stateLabel } from './taskStateIcons';
import { autoStartSetting, maxWorkersSetting } from './userSettings';
import { ensureTrusted } from './workspaceTrust';
import { noLinks } from './wording';

/** States worth a notification, with the setting that turns each off. */
const NOTIFY: Partial<Record<TaskState, { setting: string; message: (id: string, r: WorkerRecord) => string }>> = {
  waiting_input: {
    setting: 'waitingInput',
    message: (id, r) =>
      r.view.activity
        ? vscode.l10n.t('Worker "{0}" is waiting for your input: {1}', id, r.view.activity.replace(/^Waiting: /, ''))
        : vscode.l10n.t('Worker "{0}" is waiting for your input.', id),
  },
  worker_blocked: { setting: 'blocked', message: (id, r) => vscode.l10n.t('Worker "{0}" is blocked: {1}', id, r.view.reason ?? vscode.l10n.t('it needs your help.')) },
  stalled: { setting: 'stalled', message: (id, r) => vscode.l10n.t('Worker "{0}" has stalled ({1}).', id, (r.view.reason ?? vscode.l10n.t('no heartbeat')).replace(/\.$/, '')) },
  failed: {
    setting: 'failed',
    message: (id, r) => vscode.l10n.t('Worker "{0}" failed: {1} Its worktree and branch are kept.', id, sentence(r.view.reason ?? vscode.l10n.t('see its terminal'))),
  },
  review: { setting: 'review', message: (id) => vscode.l10n.t('Worker "{0}" finished: its work is ready for review.', id) },
};

/** Ends `text` with one full stop: reasons may or may not bring their own. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

export class Workers implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when any worker's state, activity or reason changes. */
  readonly onDidChange = this.changed.event;

  readonly records = new Map<string, WorkerRecord>();
  private readonly terminals = new Map<string, vscode.Terminal>();
  private layout: BatonLayout | undefined;
  private store: RunStore | undefined;
  private watcher: RunWatcher | undefined;
  /** The run engine shared with `baton run`: scheduling, recovery, approvals and the merge queue. */
  private controller: RunController | undefined;
  private readonly mergeResults = new vscode.EventEmitter<MergeResult>();
  /** Fires for each task the merge queue finished with (merged, conflict, integration failed, refused). */
  readonly onDidMerge = this.mergeResults.event;
  private rootProblem: string | undefined;
  /** Set when this window is one task's worktree: state comes from the main repository's `.baton/`. */
  worktreeWindow: BatonWorktree | undefined;
  private loaded = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly planSource: PlanSource,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.changed,
      this.mergeResults,
      vscode.window.onDidOpenTerminal((t) => {
        this.adopt(t);
        this.changed.fire(); // the views offer Show Terminal and Reply only with a terminal
        // A terminal that comes back after a window reload opens nameless and is named a moment later.
        if (!t.name) setTimeout(() => this.changed.fire(), 2000);
      }),
      vscode.window.onDidCloseTerminal((t) => {
        for (const [id, term] of this.terminals) if (term === t) this.terminals.delete(id);
        this.changed.fire();
      }),
      planSource.onDidChange(() => this.maybeAutoStart()),
      // Turning autoStart on acts at once, not at the next change.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('baton.autoStart') || e.affectsConfiguration('baton.maxWorkers')) this.maybeAutoStart();
      }),
    );
  }

  /** Finds the repository, reads every worker's files, adopts surviving terminals, then watches. */
  async start(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return;
    const root = await repositoryRoot(folder.uri.fsPath);
    if (!root) {
      this.rootProblem = vscode.l10n.t('{0} is not a git repository: Baton gives each task its own git worktree. Run "git init" and commit once.', folder.name);
      return;
    }
    // A task's worktree opened in its own window: the main repository's `.baton/` is the truth, and
    // no second `.baton/` is made here.
    this.worktreeWindow = await findBatonWorktree(folder.uri.fsPath);
    void vscode.commands.executeCommand('setContext', 'baton.worktreeTask', this.worktreeWindow?.taskId ?? '');
    this.layout = new BatonLayout(this.worktreeWindow?.mainRoot ?? root);
    this.store = new RunStore(this.layout, () => this.planSource.current?.plan.defaults.heartbeatTimeout ?? 60);
    for (const t of vscode.window.terminals) this.adopt(t);
    if (!vscode.workspace.isTrusted) {
      // Restricted Mode: show what the files say, but start no watcher-driven automation until trust is
      // granted, which may happen while the window is open.
      for (const [id, r] of this.store.readAll()) this.records.set(id, r);
      this.changed.fire();
      this.disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => this.watch()));
      return;
    }
    this.watch();
  }

  /** Follows `.baton/runs` (notifications, checkpoints of abandoned work, auto-start): trusted workspaces only. */
  private watch(): void {
    if (this.watcher || !this.store || !this.layout) return;
    this.controller = this.makeController(this.layout, this.store);
    this.watcher = new RunWatcher(this.store, this.layout, ({ task, record }) => this.onWorkerChange(task, record));
    this.watcher.start();
    // The base moving under tasks in review (a commit of the person's, a pull) redoes their merge previews.
    const followBase = () => void this.controller?.followBase().catch((e) => this.log.error(`Merge preview: ${(e as Error).message}`));
    const baseTimer = setInterval(followBase, 2000);
    this.disposables.push({ dispose: () => clearInterval(baseTimer) });
    followBase();
    this.loaded = true;
    this.changed.fire();
    // A merge that a closed window or a killed `baton run` left half-way is finished or forgotten first.
    void this.controller
      .recover()
      .then(() => this.controller!.processQueue())
      .catch((e) => this.log.error(`Merge queue: ${(e as Error).message}`))
      .finally(() => this.maybeAutoStart());
  }

  /** The plan a round of starts schedules from, while auto-start runs one from the saved plan. */
  private startFrom: PlanSnapshot | undefined;

  private makeController(layout: BatonLayout, store: RunStore): RunController {
    const config = () => vscode.workspace.getConfiguration('baton');
    return new RunController({
      layout,
      store,
      plan: () => (this.startFrom ?? this.planSource.current)?.plan,
      conflicts: () => (this.startFrom ?? this.planSource.current)?.analysis?.conflicts,
      maxWorkers: () => maxWorkersSetting(config()) ?? (this.startFrom ?? this.planSource.current)?.plan.defaults.maxWorkers ?? 4,
      launch: async (id) => void (await this.startWorker(id)),
      runGates: (cwd, commands, options) => runGates(cwd, commands, options),
      // The plan as it is now (its open editor's text included), not the snapshot an auto-start round holds.
      planTask: (id) => {
        const plan = this.planSource.current?.plan;
        const task = plan?.tasks.find((t) => t.id === id);
        return plan && task && { base: plan.base, gates: task.gates };
      },
      gateResults: (id) => readResult(layout, id)?.gates,
      recordGates: async (id, gates, ranOn) =>
        void (await updateResult(layout, id, { gates: gates as GateResult[], gates_at: new Date().toISOString(), gates_commit: ranOn?.head, gates_uncommitted: ranOn?.uncommitted })),
      cleanup: async (id, approvedStyle) => {
        const base = this.planSource.current?.plan.base ?? 'main';
        // The setting, or the variable `baton` reads: one rule for both (cleanup.ts).
        const keep = config().get<boolean>('keepWorktreeAfterApproval', false) || keepWorktreesFromEnv();
        const after = await cleanupAfterMerge(layout, id, { base, style: approvedStyle, keep });
        if (after.outcome === 'removed') this.terminal(id)?.dispose();
        else if (after.outcome === 'failed') this.log.warn(`${id}: merged, but its worktree was not removed: ${after.message}`);
        else if (!after.setting) this.offerToDelete(id, after.files);
      },
      mergeStyle: () => (config().get<string>('mergeStyle', 'merge') === 'squash' ? 'squash' : 'merge'),
      onMerge: (r) => {
        this.log.info(`Merge queue: ${r.task} ${r.outcome}${r.outcome === 'merged' ? ` as ${r.commit.slice(0, 10)}` : ''}`);
        const snapshot = this.planSource.current;
        if (r.outcome === 'merged' && snapshot && config().get<boolean>('notesAfterApproval', false)) {
          void recordApprovalNote(layout, snapshot.plan, snapshot.uri.fsPath, r.task, r.commit).catch((e) => this.log.error(`Notes: ${(e as Error).message}`));
        }
        this.mergeResults.fire(r);
      },
      onLaunchError: (id, err) => void vscode.window.showErrorMessage(vscode.l10n.t('Could not start "{0}": {1}', id, err.message)),
      onPreview: () => this.changed.fire(),
    });
  }

  /**
   * Approves a task: the checks (worker not writing, gates passed unless `force`), then the merge queue.
   * Resolves once the task is queued; the merge itself goes on in the background (see onDidMerge).
   */
  async approve(taskId: string, force = false): Promise<number> {
    if (!ensureTrusted(vscode.l10n.t('approve and merge work'))) throw new LaunchRefused(vscode.l10n.t('Approving merges into your branch: it needs a trusted workspace.'));
    if (!this.controller) throw new LaunchRefused(this.rootProblem ?? vscode.l10n.t('Open a folder first.'));
    // A worker still at its prompt ends with its terminal (closed by us, so VS Code reports no failed process).
    const position = await this.controller.approve(taskId, force, async (pid) => {
      this.terminal(taskId)?.dispose();
      await stopSupervisor(pid);
    });
    void this.controller.processQueue().catch((e) => this.log.error(`Merge queue: ${(e as Error).message}`));
    return position;
  }

  /**
   * After a conflict: types the rebase instruction into the worker's terminal when its worker is still at
   * its prompt, or starts a worker on the same worktree (its branch and commits kept) with that instruction.
   */
  async askToRebase(taskId: string, files: readonly string[]): Promise<'typed' | 'started'> {
    const base = this.planSource.current?.plan.base ?? 'main';
    const text = rebaseInstruction(base, taskId, files);
    const record = this.store?.read(taskId);
    const live = record && record.view.pid !== undefined && LIVE_STATES.has(record.view.state);
    const terminal = this.terminal(taskId);
    appendEvent(this.layout!.events(taskId), { type: 'rebase_requested', at: new Date().toISOString(), files: [...files] });
    if (live && terminal) {
      terminal.sendText(text, true);
      return 'typed';
    }
    await this.startWorker(taskId, text);
    return 'started';
  }

  /** Plan states with the workers' states laid over them. */
  taskStates(snapshot: PlanSnapshot): Map<string, TaskState> {
    const views = new Map([...this.records].map(([id, r]) => [id, r.view]));
    const approved = new Set([...views].filter(([, v]) => v.state === 'approved').map(([id]) => id));
    return planStates(snapshot.plan, approved, views);
  }

  /** The repository root (where `.baton/` lives), once found. */
  root(): string | undefined {
    return this.layout?.root;
  }

  /** Merges whatever waits in the queue (e.g. after Continue Merge). */
  async processQueue(): Promise<void> {
    await this.controller?.processQueue();
  }

  /** Where `.baton/` is, once the repository was found (requests live there too). */
  get batonLayout(): BatonLayout | undefined {
    return this.layout;
  }

  worktree(taskId: string): string | undefined {
    return this.layout?.worktree(taskId);
  }

  terminal(taskId: string): vscode.Terminal | undefined {
    const known = this.terminals.get(taskId);
    if (known) return known;
    // After a window reload a worker's terminal comes back, but its name may arrive after it opened.
    const found = vscode.window.terminals.find((t) => t.name === terminalName(taskId));
    if (found) this.terminals.set(taskId, found);
    return found;
  }

  /** Starts a worker for a ready task in its own terminal. Throws LaunchRefused with the reason a person reads. */
  async startWorker(
    taskId: string,
    addendum?: string,
    snapshot: PlanSnapshot | undefined = this.startFrom ?? this.planSource.current,
    followUp?: LaunchRequest['followUp'],
  ): Promise<vscode.Terminal> {
    if (!ensureTrusted(vscode.l10n.t('start workers'))) throw new LaunchRefused(vscode.l10n.t('Workers only run in a trusted workspace.'));
    if (process.platform === 'win32') {
      // The worker's `baton` shim is a /bin/sh script and stopping relies on POSIX process groups (README, "Before you start").
      throw new LaunchRefused(vscode.l10n.t('Workers run on Linux and macOS (or Windows through WSL: open the folder with the WSL extension). Planning works here; starting workers does not yet.'));
    }
    if (this.worktreeWindow) {
      throw new LaunchRefused(vscode.l10n.t('This window is the worktree of task "{0}": start workers from the window of the repository, {1}.', this.worktreeWindow.taskId, this.worktreeWindow.mainRoot));
    }
    if (!snapshot) throw new LaunchRefused(vscode.l10n.t('There is no plan: create one with "Baton: Create Plan".'));
    if (snapshot.diagnostics.some((d) => d.severity === 'error')) throw new LaunchRefused(vscode.l10n.t('The plan has errors: fix them (see Problems) before starting workers.'));
    if (!this.layout) throw new LaunchRefused(this.rootProblem ?? vscode.l10n.t('Open a folder first.'));
    const existing = this.terminal(taskId);
    const task = snapshot.plan.tasks.find((t) => t.id === taskId);
    const profile = this.profile(task?.agent ?? snapshot.plan.defaults.agent);
    // Refuse a blocked or running task before asking about (or recording) trust for its worktree.
    checkStartable(snapshot.plan, taskId, this.taskStates(snapshot));
    if (profile.claudeHooks) await this.trustWorktree(taskId);
    const config = vscode.workspace.getConfiguration('baton');
    const launch = await prepareLaunch({
      layout: this.layout,
      plan: snapshot.plan,
      analysis: snapshot.analysis ?? analyzePlan(snapshot.plan),
      taskId,
      states: this.taskStates(snapshot),
      profile,
      permissions: {
        mode: config.get<string>('claude.permissionMode', DEFAULT_PERMISSIONS.mode),
        allowedTools: config.get<string[]>('claude.allowedTools', []),
      },
      sandbox: personSandbox(config),
      headless: false,
      batonCommand: [process.execPath, this.context.asAbsolutePath('dist/cli.js')],
      // Inside desktop VS Code the extension host's executable is Electron: make it behave as Node. For
      // Baton's own processes only; the agent and its tools never inherit it (workerEnv.ts).
      batonEnv: { ELECTRON_RUN_AS_NODE: '1' },
      checkpointMinutes: config.get<number>('checkpointMinutes', 0) || undefined,
      notesFile: notesFileFor(snapshot.uri.fsPath),
      addendum,
      followUp,
    });
    existing?.dispose(); // a restart replaces the old, finished terminal
    const terminal = vscode.window.createTerminal({
      name: terminalName(taskId),
      shellPath: launch.command,
      shellArgs: launch.args,
      // The agent runs in the worktree (the supervisor spawns it there). The terminal itself starts in the
      // workspace folder, or VS Code adds the worktree's folder name to the tab: "Baton: x - x".
      cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? launch.cwd,
      // The person's environment and Baton's variables only: nothing of the extension host's own.
      env: { ...personEnvironment(process.env), ...launch.env },
      strictEnv: true,
      // Persistent (not `isTransient`), so a window reload gives the running worker its terminal back.
      // After a full restart VS Code may revive it by re-running this command line: `baton supervise`
      // then refuses, saying so in the terminal (launchTaken in supervisor.ts), and nothing runs twice.
      iconPath: new vscode.ThemeIcon('robot'),
    });
    this.terminals.set(taskId, terminal);
    this.log.info(`Started worker for ${taskId} in ${launch.worktree}${launch.createdWorktree ? ' (new worktree)' : ''}`);
    return terminal;
  }

  /**
   * Starts ready tasks up to the worker limit, longest remaining path first (the shared run engine), from
   * `snapshot` (auto-start passes the saved plan) or the current one.
   */
  async startReady(snapshot?: PlanSnapshot): Promise<string[]> {
    if (!(snapshot ?? this.planSource.current) || !this.controller) return [];
    this.startFrom = snapshot;
    try {
      return await this.controller.startReady();
    } finally {
      this.startFrom = undefined;
    }
  }

  /**
   * The plan as saved on disk: what auto-start schedules from, so a half-typed id in the editor (`api-s`,
   * `api-sc`, ...) never starts a worker. Undefined when there is no saved plan.
   */
  private async savedPlan(): Promise<PlanSnapshot | undefined> {
    const current = this.planSource.current;
    if (!current) return undefined;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === current.uri.toString());
    if (!open?.isDirty) return current;
    try {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(current.uri));
      const { plan, diagnostics } = parsePlan(text, current.file);
      return { ...current, text, plan, diagnostics, analysis: diagnostics.some((d) => d.severity === 'error') ? undefined : analyzePlan(plan) };
    } catch {
      return undefined;
    }
  }

  /** Ends the worker's whole process tree; the supervisor checkpoints its work on the way out. */
  async stopWorker(taskId: string): Promise<boolean> {
    const record = this.store?.read(taskId);
    // Also a stalled worker, and one in review whose agent's session is still open.
    if (!record || !record.view.pid || !canStop(record.view)) return false;
    // Only the supervisor Baton launched, still that process (liveSupervisor): otherwise there is nothing to stop.
    if (liveSupervisor(this.layout!, taskId) === undefined) return false;
    appendEvent(this.layout!.events(taskId), { type: 'stop-requested', at: new Date().toISOString() });
    void stopTaskSupervisor(this.layout!, taskId);
    return true;
  }

  /** Undefined when the person chose not to restart (the task has work in review). */
  async restartWorker(taskId: string, ask = true): Promise<vscode.Terminal | undefined> {
    const record = this.store?.read(taskId);
    if (ask && record?.view.state === 'review') {
      const restart = vscode.l10n.t('Restart');
      const answer = await vscode.window.showWarningMessage(
        vscode.l10n.t('"{0}" has work waiting for your review. Restart its worker anyway? A new session starts on the same branch; the commits stay.', taskId),
        { modal: true },
        restart,
      );
      if (answer !== restart) return undefined;
    }
    // A finished worker's session may still be open at its prompt: end it before the new one starts.
    const pid = record?.view.pid;
    if (pid && record && (LIVE_STATES.has(record.view.state) || record.view.exitCode === undefined) && pidAlive(pid)) {
      appendEvent(this.layout!.events(taskId), { type: 'stop-requested', at: new Date().toISOString() });
      await stopTaskSupervisor(this.layout!, taskId);
    }
    return this.startWorker(taskId);
  }

  /** A merged task's worktree kept because it holds files its branch does not: say which, offer to delete it. */
  private offerToDelete(taskId: string, files: readonly string[]): void {
    const shown = files.slice(0, 10).join(', ') + (files.length > 10 ? vscode.l10n.t(', and {0} more', files.length - 10) : '');
    const discard = vscode.l10n.t('Delete Worktree…');
    const open = vscode.l10n.t('Open Worktree');
    // File names are the worker's words: no link in them may become a button.
    const message = noLinks(vscode.l10n.t('"{0}" is merged. Its worktree and branch are kept: the worktree holds files its branch does not ({1}). Copy what you need, then delete it.', taskId, shown));
    void vscode.window.showWarningMessage(message, discard, open).then((choice) => {
      if (choice === discard) void vscode.commands.executeCommand('baton.discardTask', taskId);
      if (choice === open) void vscode.commands.executeCommand('baton.openWorktree', taskId);
    });
  }

  /** Types the person's answer into the worker's terminal. */
  reply(taskId: string, text: string): boolean {
    const terminal = this.terminal(taskId);
    // Never into a menu (state waiting_input): Enter would choose its highlighted option.
    if (!terminal || this.records.get(taskId)?.view.state === 'waiting_input') return false;
    terminal.sendText(text, true);
    if (this.layout) appendEvent(this.layout.events(taskId), { type: 'reply', at: new Date().toISOString(), text });
    return true;
  }

  /**
   * Gives the worker a message from the person (changes requested, a rebase asked for): typed into its
   * terminal while its process runs, otherwise a worker started on the same worktree resuming the same
   * Claude Code conversation. The task goes back to running either way.
   */
  async sendToWorker(taskId: string, text: string, event: { type: string; [key: string]: unknown }): Promise<'terminal' | 'resume'> {
    if (!this.layout) throw new LaunchRefused(this.rootProblem ?? vscode.l10n.t('Open a folder first.'));
    const record = this.store?.read(taskId);
    const terminal = this.terminal(taskId);
    const alive = record?.view.pid !== undefined && record.view.exitCode === undefined && pidAlive(record.view.pid);
    const at = new Date().toISOString();
    if (terminal && alive) {
      // One line: a newline would submit half the message. Enter comes apart from the text: Claude Code
      // takes a long burst of input as a paste, in which Enter is a new line rather than "send".
      terminal.sendText(text.replace(/\s*\n\s*/g, ' '), false);
      await new Promise((r) => setTimeout(r, 300));
      terminal.sendText('', true);
      appendEvent(this.layout.events(taskId), { ...event, at, text, via: 'terminal' });
      await updateHeartbeat(this.layout.heartbeat(taskId), taskId, (c) => ({ ...c!, status: 'in_progress', activity: 'Reading your message', reason: undefined, updated_at: at }));
      return 'terminal';
    }
    const session = lastSession(readEvents(this.layout.events(taskId)));
    appendEvent(this.layout.events(taskId), { ...event, at, text, via: 'resume', ...(session ? { session } : {}) });
    (await this.startWorker(taskId, undefined, undefined, { message: text, session })).show(true);
    return 'resume';
  }

  /** What the task produced (worker summary, gates): result.json. */
  result(taskId: string): TaskResult | undefined {
    return this.layout ? readResult(this.layout, taskId) : undefined;
  }

  /** Whether the task's branch merges into the base as both are now (undefined: not known, or stale). */
  mergePreview(taskId: string): MergePreview | undefined {
    const base = this.planSource.current?.plan.base;
    return this.layout && base ? currentMergePreview(this.layout, taskId, base) : undefined;
  }

  private readonly histories = new Map<string, { stamp: string; entries: HistoryEntry[] }>();

  /** The task's steps, for its tooltip and review summary; re-read only when events.jsonl changed. */
  history(taskId: string): HistoryEntry[] {
    if (!this.layout) return [];
    const file = this.layout.events(taskId);
    let stamp: string;
    try {
      const st = statSync(file);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch {
      return [];
    }
    const cached = this.histories.get(taskId);
    if (cached?.stamp === stamp) return cached.entries;
    const entries = taskHistory(readEvents(file));
    this.histories.set(taskId, { stamp, entries });
    return entries;
  }

  get runLayout(): BatonLayout | undefined {
    return this.layout;
  }

  /** Redraws the views after something the watcher does not follow changed (gate results, a merge preview). */
  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private profile(name: string): AgentProfile {
    const custom = vscode.workspace.getConfiguration('baton').get<Record<string, Partial<AgentProfile>>>('agents', {});
    try {
      return findProfile(name, custom);
    } catch (err) {
      throw new LaunchRefused((err as Error).message);
    }
  }

  /**
   * Claude Code's folder-trust question, answered for Baton's own worktrees only with the person's consent,
   * asked per repository and remembered for this workspace: trusting one repository says nothing about the
   * next one cloned. The setting `baton.claude.trustWorktrees` (always / never) overrides the question.
   */
  private async trustWorktree(taskId: string): Promise<void> {
    const setting = vscode.workspace.getConfiguration('baton').get<string>('claude.trustWorktrees', 'ask');
    const folder = this.layout!.worktree(taskId);
    const file = claudeConfigFile();
    const key = `claudeTrust:${this.layout!.root}`;
    const choice = setting === 'ask' ? this.context.workspaceState.get<'always' | 'never'>(key) : setting;
    if (choice === 'never' || isTrusted(file, folder)) return;
    if (choice !== 'always') {
      const always = vscode.l10n.t("Trust This Repository's Worktrees");
      const never = vscode.l10n.t('Ask in Each Terminal');
      const answer = await vscode.window.showWarningMessage(
        vscode.l10n.t('Let Claude Code trust the worktrees Baton makes for {0}?', basename(this.layout!.root)),
        {
          modal: true,
          // One literal: the string export (npm run l10n) does not follow a concatenation.
          detail: vscode.l10n.t(
            'Claude Code asks "Do you trust the files in this folder?" the first time it runs in a folder, and Baton makes a new folder (a git worktree) for every task. Trusting a folder lets the repository\'s own Claude Code configuration run: hooks in its .claude/ settings and the MCP servers in its .mcp.json start without asking. Only trust a repository whose files you would run yourself. Baton records the answer in Claude Code\'s config for this repository\'s worktrees, and remembers your choice for this workspace only.',
          ),
        },
        always,
        never,
      );
      if (!answer) throw new LaunchRefused(vscode.l10n.t("Not started: choose how to handle Claude Code's folder-trust question."));
      await this.context.workspaceState.update(key, answer === always ? 'always' : 'never');
      if (answer === never) return;
    }
    await recordTrust(file, folder);
  }

  private adopt(terminal: vscode.Terminal): void {
    const id = taskOfTerminal(terminal.name);
    if (id !== undefined && !this.terminals.has(id)) this.terminals.set(id, terminal);
  }

  private onWorkerChange(task: string, record: WorkerRecord | undefined): void {
    const before = this.records.get(task)?.view.state;
    if (record) this.records.set(task, record);
    else this.records.delete(task);
    if (record?.problem) this.log.warn(`${task}: ${record.problem}`);
    if (record && record.view.state !== before && this.loaded) {
      // Its supervisor is gone without a word: end what its agent left running before anyone sees "failed".
      if (this.layout && record.view.state === 'failed' && record.view.exitCode === undefined) {
        const ended = endRecorded(this.layout.processes(task), 'SIGKILL', readLaunch(this.layout, task)?.launch_id);
        if (ended.length) this.log.info(`${task}: ended ${ended.length} process(es) its worker left running`);
      }
      this.notify(task, record);
      void this.controller?.onWorkerChange(task, record, before);
    }
    if (record && record.view.state !== before) this.log.info(`${task}: ${stateLabel(record.view.state)}${record.view.reason ? ` (${record.view.reason})` : ''}`);
    this.changed.fire();
    const freed = before && LIVE_STATES.has(before) && record && !LIVE_STATES.has(record.view.state);
    if (freed || (record?.view.state === 'approved' && before !== 'approved')) this.maybeAutoStart();
  }

  /** A notification that would mislead, e.g. "ready for review" when a team's manager hands over to its architect (team.ts). */
  quiet: (task: string, state: TaskState) => boolean = () => false;

  private notify(task: string, record: WorkerRecord): void {
    if (this.quiet(task, record.view.state)) return;
    const rule = NOTIFY[record.view.state];
    if (!rule || !vscode.workspace.getConfiguration('baton.notifications').get<boolean>(rule.setting, true)) return;
    const show = vscode.l10n.t('Show Terminal');
    const review = vscode.l10n.t('Review Task');
    const checkSetup = vscode.l10n.t('Check Setup');
    // The agent's command was not found: the setup check says where Baton looked and how to fix it.
    const check = record.view.state === 'failed' && /was not found/.test(record.view.reason ?? '') ? [checkSetup] : [];
    const warn = record.view.state === 'failed' || record.view.state === 'stalled';
    // Reasons and activities are the worker's words: a `[x](command:…)` in them must not become a button.
    const message = noLinks(rule.message(task, record));
    // An agent that is not installed (or not on the PATH VS Code has): Check Setup says why, and the fix
    // may be a profile's command, in a setting.
    const setting = check.length ? vscode.l10n.t('Open Setting') : undefined;
    const buttons = setting ? [...check, setting] : record.view.state === 'review' ? [review, show] : [show];
    void (warn ? vscode.window.showWarningMessage(message, ...buttons) : vscode.window.showInformationMessage(message, ...buttons)).then((choice) => {
      if (choice === show) void vscode.commands.executeCommand('baton.showWorkerTerminal', task);
      if (choice === review) void vscode.commands.executeCommand('baton.reviewTask', task);
      if (choice === checkSetup) void vscode.commands.executeCommand('baton.checkSetup');
      // A dismissed notification answers undefined, which `setting` also is when it offers no Open Setting.
      if (setting && choice === setting) void openSetting('baton.agents');
    });
  }

  private autoStarting = false;
  private maybeAutoStart(): void {
    if (!this.loaded || this.autoStarting || !vscode.workspace.isTrusted || this.worktreeWindow) return;
    if (!autoStartSetting(vscode.workspace.getConfiguration('baton'))) return;
    this.autoStarting = true;
    void this.savedPlan()
      // A team's own plan is not auto-started: Start Team starts its manager, the hand-over its architect (team.ts).
      .then((saved) => (saved && !saved.team && !saved.diagnostics.some((d) => d.severity === 'error') ? this.startReady(saved) : []))
      .finally(() => (this.autoStarting = false));
  }
}

/**
 * Opens the Settings editor at a setting. A machine-scoped setting only takes effect on the Remote tab of a
 * remote window (code-server, SSH); a user-only one (`application` scope, like baton.agents) on the User tab.
 */
export async function openSetting(id: string, scope: 'application' | 'machine' = 'application'): Promise<void> {
  if (scope === 'machine' && vscode.env.remoteName) {
    try {
      await vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query: id });
      return;
    } catch {
      // an older VS Code without it: the user settings still find the setting
    }
  }
  await vscode.commands.executeCommand('workbench.action.openSettings', id);
}

async function repositoryRoot(dir: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', '--show-toplevel'], { cwd: dir });
    const root = stdout.trim();
    return root && existsSync(root) ? root : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `baton.sandbox` and `baton.sandboxAllowedDomains`, from the person's user settings only: a repository's
 * own settings must not turn the sandbox off or widen what its workers may reach.
 */
export function personSandbox(config: vscode.WorkspaceConfiguration): PersonSandbox {
  const mode = config.inspect<string>('sandbox')?.globalValue;
  const domains = config.inspect<string[]>('sandboxAllowedDomains')?.globalValue;
  return {
    mode: mode === 'on' ? 'on' : 'off',
    allowedDomains: Array.isArray(domains) ? domains.filter((d): d is string => typeof d === 'string' && d.trim() !== '').map((d) => d.trim()) : [],
  };
}
