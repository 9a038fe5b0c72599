// The workers of this workspace: what each is doing (read from .baton/runs through the engine's watcher),
// their terminals, and the actions on them. The files are the truth; this class only mirrors them, so a
// reloaded window adopts the same workers and never starts one twice.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { claudeConfigFile, isTrusted, recordTrust } from '../core/agents/claudeTrust';
import { DEFAULT_PERMISSIONS, findProfile, type AgentProfile } from '../core/agents/profiles';
import { analyzePlan } from '../core/graph/analysis';
import { appendEvent } from '../core/run/events';
import { checkStartable, LaunchRefused, prepareLaunch } from '../core/run/launch';
import { BatonLayout } from '../core/run/layout';
import { RunStore, RunWatcher, type WorkerRecord } from '../core/run/runStore';
import { tasksToStart } from '../core/run/scheduler';
import { checkpointAbandoned, stopSupervisor } from '../core/run/supervisor';
import { LIVE_STATES, planStates, type TaskState } from '../core/run/states';
import type { PlanSnapshot, PlanSource } from './planSource';
import { stateLabel } from './taskStateIcons';
import { ensureTrusted } from './workspaceTrust';

const TERMINAL_PREFIX = 'Baton: ';

/** States worth a notification, with the setting that turns each off. */
const NOTIFY: Partial<Record<TaskState, { setting: string; message: (id: string, r: WorkerRecord) => string }>> = {
  waiting_input: { setting: 'waitingInput', message: (id, r) => `Worker "${id}" is waiting for your input${r.view.activity ? `: ${r.view.activity.replace(/^Waiting: /, '')}` : '.'}` },
  worker_blocked: { setting: 'blocked', message: (id, r) => `Worker "${id}" is blocked: ${r.view.reason ?? 'it needs your help.'}` },
  stalled: { setting: 'stalled', message: (id, r) => `Worker "${id}" has stalled (${r.view.reason ?? 'no heartbeat'}).` },
  failed: { setting: 'failed', message: (id, r) => `Worker "${id}" failed: ${r.view.reason ?? 'see its terminal'}. Its worktree and branch are kept.` },
  review: { setting: 'review', message: (id) => `Worker "${id}" finished: its work is ready for review.` },
};

export class Workers implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when any worker's state, activity or reason changes. */
  readonly onDidChange = this.changed.event;

  readonly records = new Map<string, WorkerRecord>();
  private readonly terminals = new Map<string, vscode.Terminal>();
  private layout: BatonLayout | undefined;
  private store: RunStore | undefined;
  private watcher: RunWatcher | undefined;
  private rootProblem: string | undefined;
  private loaded = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly planSource: PlanSource,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.changed,
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
    );
  }

  /** Finds the repository, reads every worker's files, adopts surviving terminals, then watches. */
  async start(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return;
    const root = await repositoryRoot(folder.uri.fsPath);
    if (!root) {
      this.rootProblem = `${folder.name} is not a git repository: Baton gives each task its own git worktree. Run "git init" and commit once.`;
      return;
    }
    this.layout = new BatonLayout(root);
    this.store = new RunStore(this.layout, () => this.planSource.current?.plan.defaults.heartbeatTimeout ?? 60);
    for (const t of vscode.window.terminals) this.adopt(t);
    if (!vscode.workspace.isTrusted) {
      // Restricted Mode: show what the files say, but start no watcher-driven automation.
      for (const [id, r] of this.store.readAll()) this.records.set(id, r);
      this.changed.fire();
      return;
    }
    this.watcher = new RunWatcher(this.store, this.layout, ({ task, record }) => this.onWorkerChange(task, record));
    this.watcher.start();
    this.loaded = true;
    this.changed.fire();
    this.maybeAutoStart();
  }

  /** Plan states with the workers' states laid over them. */
  taskStates(snapshot: PlanSnapshot): Map<string, TaskState> {
    const views = new Map([...this.records].map(([id, r]) => [id, r.view]));
    const approved = new Set([...views].filter(([, v]) => v.state === 'approved').map(([id]) => id));
    return planStates(snapshot.plan, approved, views);
  }

  worktree(taskId: string): string | undefined {
    return this.layout?.worktree(taskId);
  }

  terminal(taskId: string): vscode.Terminal | undefined {
    const known = this.terminals.get(taskId);
    if (known) return known;
    // After a window reload a worker's terminal comes back, but its name may arrive after it opened.
    const found = vscode.window.terminals.find((t) => t.name === `${TERMINAL_PREFIX}${taskId}`);
    if (found) this.terminals.set(taskId, found);
    return found;
  }

  /** Starts a worker for a ready task in its own terminal. Throws LaunchRefused with the reason a person reads. */
  async startWorker(taskId: string): Promise<vscode.Terminal> {
    if (!ensureTrusted('start workers')) throw new LaunchRefused('Workers only run in a trusted workspace.');
    const snapshot = this.planSource.current;
    if (!snapshot) throw new LaunchRefused('There is no plan: create one with "Baton: Create Plan".');
    if (snapshot.diagnostics.some((d) => d.severity === 'error')) throw new LaunchRefused('The plan has errors: fix them (see Problems) before starting workers.');
    if (!this.layout) throw new LaunchRefused(this.rootProblem ?? 'Open a folder first.');
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
      headless: false,
      batonCommand: [process.execPath, this.context.asAbsolutePath('dist/cli.js')],
      // Inside desktop VS Code the extension host's executable is Electron: make it behave as Node.
      batonEnv: { ELECTRON_RUN_AS_NODE: '1' },
      checkpointMinutes: config.get<number>('checkpointMinutes', 0) || undefined,
    });
    existing?.dispose(); // a restart replaces the old, finished terminal
    const terminal = vscode.window.createTerminal({
      name: `${TERMINAL_PREFIX}${taskId}`,
      shellPath: launch.command,
      shellArgs: launch.args,
      cwd: launch.cwd,
      env: launch.env,
      iconPath: new vscode.ThemeIcon('robot'),
    });
    this.terminals.set(taskId, terminal);
    this.log.info(`Started worker for ${taskId} in ${launch.worktree}${launch.createdWorktree ? ' (new worktree)' : ''}`);
    return terminal;
  }

  /** Starts ready tasks up to the worker limit, longest remaining path first. */
  async startReady(): Promise<string[]> {
    const snapshot = this.planSource.current;
    if (!snapshot || !this.layout) return [];
    const max = vscode.workspace.getConfiguration('baton').get<number | null>('maxWorkers', null) ?? snapshot.plan.defaults.maxWorkers;
    const started: string[] = [];
    const states = this.taskStates(snapshot);
    for (const id of tasksToStart(snapshot.plan, states, max)) {
      try {
        await this.startWorker(id);
        started.push(id);
        states.set(id, 'starting');
      } catch (err) {
        void vscode.window.showErrorMessage(`Could not start "${id}": ${(err as Error).message}`);
        break;
      }
    }
    return started;
  }

  /** Ends the worker's whole process tree; the supervisor checkpoints its work on the way out. */
  async stopWorker(taskId: string): Promise<boolean> {
    const record = this.store?.read(taskId);
    if (!record || !LIVE_STATES.has(record.view.state) || !record.view.pid) return false;
    appendEvent(this.layout!.events(taskId), { type: 'stop-requested', at: new Date().toISOString() });
    void stopSupervisor(record.view.pid);
    return true;
  }

  async restartWorker(taskId: string): Promise<vscode.Terminal> {
    if (await this.stopWorker(taskId)) {
      await waitUntil(() => !LIVE_STATES.has(this.store!.read(taskId)?.view.state ?? 'cancelled'), 15_000);
    }
    return this.startWorker(taskId);
  }

  /** Types the person's answer into the worker's terminal. */
  reply(taskId: string, text: string): boolean {
    const terminal = this.terminal(taskId);
    if (!terminal) return false;
    terminal.sendText(text, true);
    if (this.layout) appendEvent(this.layout.events(taskId), { type: 'reply', at: new Date().toISOString(), text });
    return true;
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

  /** Claude Code's folder-trust question, answered for Baton's own worktrees only with the person's consent. */
  private async trustWorktree(taskId: string): Promise<void> {
    const config = vscode.workspace.getConfiguration('baton');
    let choice = config.get<string>('claude.trustWorktrees', 'ask');
    const folder = this.layout!.worktree(taskId);
    const file = claudeConfigFile();
    if (choice === 'never' || isTrusted(file, folder)) return;
    if (choice === 'ask') {
      const always = 'Trust Baton Worktrees';
      const never = 'Ask in Each Terminal';
      const answer = await vscode.window.showInformationMessage(
        'Claude Code asks "Do you trust the files in this folder?" the first time it runs in a folder, and Baton makes a new folder (a git worktree) for every task. ' +
          'Baton can answer yes for the worktrees it creates inside this repository, so workers do not wait at that question. It records this in Claude Code\'s config file.',
        { modal: true },
        always,
        never,
      );
      if (!answer) throw new LaunchRefused('Not started: choose how to handle Claude Code\'s folder-trust question.');
      choice = answer === always ? 'always' : 'never';
      await config.update('claude.trustWorktrees', choice, vscode.ConfigurationTarget.Global);
      if (choice === 'never') return;
    }
    await recordTrust(file, folder);
  }

  private adopt(terminal: vscode.Terminal): void {
    if (!terminal.name.startsWith(TERMINAL_PREFIX)) return;
    const id = terminal.name.slice(TERMINAL_PREFIX.length);
    if (!this.terminals.has(id)) this.terminals.set(id, terminal);
  }

  private onWorkerChange(task: string, record: WorkerRecord | undefined): void {
    const before = this.records.get(task)?.view.state;
    if (record) this.records.set(task, record);
    else this.records.delete(task);
    if (record?.problem) this.log.warn(`${task}: ${record.problem}`);
    if (record && record.view.state !== before && this.loaded) {
      this.notify(task, record);
      if (this.layout && (record.view.state === 'stalled' || (record.view.state === 'failed' && record.view.exitCode === undefined))) {
        void checkpointAbandoned(this.layout, task, record.view.state === 'stalled' ? 'stalled' : 'is gone');
      }
    }
    if (record && record.view.state !== before) this.log.info(`${task}: ${stateLabel(record.view.state)}${record.view.reason ? ` (${record.view.reason})` : ''}`);
    this.changed.fire();
    if (before && LIVE_STATES.has(before) && record && !LIVE_STATES.has(record.view.state)) this.maybeAutoStart();
  }

  private notify(task: string, record: WorkerRecord): void {
    const rule = NOTIFY[record.view.state];
    if (!rule || !vscode.workspace.getConfiguration('baton.notifications').get<boolean>(rule.setting, true)) return;
    const show = 'Show Terminal';
    const warn = record.view.state === 'failed' || record.view.state === 'stalled';
    const message = rule.message(task, record);
    void (warn ? vscode.window.showWarningMessage(message, show) : vscode.window.showInformationMessage(message, show)).then((choice) => {
      if (choice === show) void vscode.commands.executeCommand('baton.showWorkerTerminal', task);
    });
  }

  private autoStarting = false;
  private maybeAutoStart(): void {
    if (!this.loaded || this.autoStarting || !vscode.workspace.isTrusted) return;
    if (!vscode.workspace.getConfiguration('baton').get<boolean>('autoStart', false)) return;
    this.autoStarting = true;
    void this.startReady().finally(() => (this.autoStarting = false));
  }
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

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!done() && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 100));
}
