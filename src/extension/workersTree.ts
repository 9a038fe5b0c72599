// The Workers view: one item per task that has (or had) a worker, with its status, what it is doing
// now, and for how long. Node kind `worker` doubles as contextValue, refined by what can be done with it.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { LIVE_STATES, WORKING_STATES, type TaskState } from '../core/run/states';
import { canStop, quietSeconds } from '../core/run/workerState';
import type { WorkerRecord } from '../core/run/runStore';
import type { MergePreview } from '../core/run/mergePreview';
import type { PlanSource } from './planSource';
import { stateIcon, stateLabel } from './taskStateIcons';
import { escapeMarkdown } from './wording';
import type { Workers } from './workers';
import { requestNodes, requestTreeItem, type RequestNode, type Requests, type RequestsGroupNode } from './requests';

/** States whose reason (the worker's question, why it failed or stalled) says more than its last activity. */
const EXPLAINED_BY_REASON: ReadonlySet<TaskState> = new Set(['worker_blocked', 'failed', 'stalled']);

export interface WorkerNode {
  kind: 'worker';
  taskId: string;
  title: string;
  record: WorkerRecord;
}

/** Workers, then (when there are any) the Requests section. */
export type WorkersViewNode = WorkerNode | RequestsGroupNode | RequestNode;

class WorkersTreeProvider implements vscode.TreeDataProvider<WorkersViewNode> {
  private readonly changed = new vscode.EventEmitter<WorkersViewNode[] | void>();
  readonly onDidChangeTreeData = this.changed.event;
  // One node object per task, kept across redraws: VS Code knows a row by the object it was given, so a row
  // can be redrawn alone.
  private readonly nodes = new Map<string, WorkerNode>();
  /** The rows the view shows now, as a key: which, in what order, and the requests section. */
  private shown: string | undefined;

  constructor(
    private readonly workers: Workers,
    private readonly planSource: PlanSource,
    private readonly requests: Requests,
  ) {}

  /**
   * Redraws the whole list only when rows come, go or move; otherwise each row alone. Redrawing the whole
   * list drops VS Code's link to every row until it has the rows again, and a click on a row's button in
   * that moment reached its command without the row (which then asked "which worker?").
   */
  refresh(): void {
    const rows = this.workerNodes();
    if (this.shown === undefined || this.layoutKey(rows) !== this.shown) this.changed.fire();
    else if (rows.length) this.changed.fire(rows);
  }

  getChildren(node?: WorkersViewNode): WorkersViewNode[] {
    if (node?.kind === 'requests') return requestNodes(this.requests);
    if (node) return [];
    const pending = this.requests.list.filter((r) => r.status === 'pending').length;
    const group: WorkersViewNode[] = this.requests.list.length ? [{ kind: 'requests', count: pending }] : [];
    const rows = this.workerNodes();
    this.shown = this.layoutKey(rows);
    return [...rows, ...group];
  }

  private layoutKey(rows: WorkerNode[]): string {
    // A request changes rarely and lives in its own section: any change to one redraws the list.
    return JSON.stringify([rows.map((n) => n.taskId), this.requests.list]);
  }

  private workerNodes(): WorkerNode[] {
    const tasks = this.planSource.current?.plan.tasks ?? [];
    const order = new Map(tasks.map((t, i) => [t.id, i]));
    const here = this.workers.worktreeWindow?.taskId; // a task's own worktree window shows its worker only
    const rows = [...this.workers.records]
      .filter(([id, r]) => r.view.state !== 'approved' && (!here || id === here))
      .sort(([a], [b]) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9) || a.localeCompare(b))
      .map(([taskId, record]) => {
        const title = tasks.find((t) => t.id === taskId)?.title ?? taskId;
        const node = this.nodes.get(taskId) ?? { kind: 'worker' as const, taskId, record, title };
        node.record = record;
        node.title = title;
        this.nodes.set(taskId, node);
        return node;
      });
    for (const id of this.nodes.keys()) if (!rows.some((n) => n.taskId === id)) this.nodes.delete(id);
    return rows;
  }

  getTreeItem(node: WorkersViewNode): vscode.TreeItem {
    if (node.kind !== 'worker') return requestTreeItem(node);
    const { view } = node.record;
    const item = new vscode.TreeItem(node.title);
    item.id = `worker:${node.taskId}`;
    const live = LIVE_STATES.has(view.state);
    const canReply = view.state === 'waiting_input' || view.state === 'worker_blocked' || view.state === 'idle';
    // Stop reaches every worker whose supervisor is there: also stalled, and in review with its session open.
    const stoppable = canStop(view);
    item.contextValue = `worker${live ? '.live' : '.ended'}${stoppable ? '.stoppable' : ''}${canReply ? '.reply' : ''}${this.workers.terminal(node.taskId) ? '.terminal' : ''}${view.state === 'review' ? '.review' : ''}`;
    // The supervisor's beat says the process is there; the agent's own reports say it is working.
    const quiet = stoppable ? quietSeconds(view, new Date()) : undefined;
    const quietLimit = vscode.workspace.getConfiguration('baton').get<number>('quietMinutes', 30) * 60;
    const tooQuiet = quiet !== undefined && quietLimit > 0 && quiet >= quietLimit && WORKING_STATES.has(view.state);
    // In review: whether the work merges into the base as it is now (mergePreview.ts); a conflict shows before Approve.
    const merge = view.state === 'review' ? this.workers.mergePreview(node.taskId) : undefined;
    const conflicts = merge?.conflicts.length ? merge : undefined;
    item.iconPath = tooQuiet
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : conflicts
        ? new vscode.ThemeIcon(stateIcon(view.state).id, new vscode.ThemeColor('list.warningForeground'))
        : stateIcon(view.state);
    const worktree = this.workers.worktree(node.taskId);
    const missing = worktree !== undefined && !existsSync(worktree) ? vscode.l10n.t('worktree deleted') : undefined;
    // Blocked, failed or stalled: why matters more than the last thing it did.
    const why = EXPLAINED_BY_REASON.has(view.state) ? (view.reason ?? view.activity) : (view.activity ?? view.reason);
    const tokens = view.tokens ? vscode.l10n.t('{0} tokens', view.tokens >= 1000 ? `${(view.tokens / 1000).toFixed(1)}k` : view.tokens) : undefined;
    const quietText =
      quiet !== undefined && quiet >= 60 ? (tooQuiet ? vscode.l10n.t('no word from its agent for {0}', minutes(quiet)) : vscode.l10n.t('quiet for {0}', minutes(quiet))) : undefined;
    const unsaved = view.checkpointError ? vscode.l10n.t('checkpoint failed') : undefined;
    const percent = view.progress !== undefined ? `${Math.round(view.progress)}%` : undefined;
    // A heartbeat Baton could not fully understand is said on the row; the tooltip says what to fix.
    const problem = node.record.problem ? vscode.l10n.t('⚠ heartbeat problem') : undefined;
    // A conflict needs the person before Approve: it comes first; a clean merge is said after what the worker did.
    const conflictText = conflicts ? vscode.l10n.t('⚠ conflicts with {0}', conflicts.base) : undefined;
    const cleanText = merge && !conflicts ? vscode.l10n.t('merges cleanly') : undefined;
    const parts = [stateLabel(view.state), conflictText, problem, missing, unsaved, why, cleanText, quietText, percent, elapsed(node.record, live), tokens].filter(Boolean);
    item.description = parts.join(' · ');
    item.tooltip = tooltip(node, worktree, missing !== undefined, merge);
    item.command = { command: 'baton.showWorkerTerminal', title: vscode.l10n.t('Show Terminal'), arguments: [node] };
    return item;
  }
}

export function registerWorkersTree(context: vscode.ExtensionContext, workers: Workers, planSource: PlanSource, requests: Requests): vscode.TreeDataProvider<WorkersViewNode> {
  const provider = new WorkersTreeProvider(workers, planSource, requests);
  const view = vscode.window.createTreeView('baton.workers', { treeDataProvider: provider });
  const update = () => {
    provider.refresh();
    const live = [...workers.records.values()].filter((r) => LIVE_STATES.has(r.view.state)).length;
    view.badge = live ? { value: live, tooltip: live === 1 ? vscode.l10n.t('1 worker running') : vscode.l10n.t('{0} workers running', live) } : undefined;
    // What the view lists (approved workers leave it): with none, its welcome text shows instead.
    const shown = [...workers.records.values()].some((r) => r.view.state !== 'approved');
    void vscode.commands.executeCommand('setContext', 'baton.hasWorkers', shown || requests.list.length > 0);
  };
  // Elapsed times move on even when nothing else changes.
  const tick = setInterval(() => {
    if ([...workers.records.values()].some((r) => LIVE_STATES.has(r.view.state))) provider.refresh();
  }, 10_000);
  context.subscriptions.push(view, workers.onDidChange(update), planSource.onDidChange(update), requests.onDidChange(update), { dispose: () => clearInterval(tick) });
  update();
  return provider;
}

/** `12 min`, `1 h 5 min`. */
function minutes(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m >= 60 ? vscode.l10n.t('{0} h {1} min', Math.floor(m / 60), m % 60) : vscode.l10n.t('{0} min', m);
}

function elapsed(record: WorkerRecord, live: boolean): string | undefined {
  const { view } = record;
  // While it works: time since it started. Once it has stopped working: how long it worked, up to its
  // last report (the record is taken at that change, so it does not go stale).
  const started = view.startedAt ? Date.parse(view.startedAt) : NaN;
  const seconds = live ? (Date.now() - started) / 1000 : Number.isFinite(started) ? (Date.parse(view.updatedAt) - started) / 1000 : view.elapsedSeconds;
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
  const m = Math.floor(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : m > 0 ? `${m}m` : `${Math.max(0, Math.round(seconds))}s`;
}

function tooltip(node: WorkerNode, worktree: string | undefined, missing: boolean, merge: MergePreview | undefined): vscode.MarkdownString {
  const { view, problem } = node.record;
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown(`**${escapeMarkdown(node.title)}** \`${node.taskId}\`\n\n`);
  md.appendMarkdown(`$(${stateIcon(view.state).id}) ${stateLabel(view.state)}\n\n`);
  // A failed worker's activity is "Failed: <reason>": say the reason once, under Why.
  // Activity and reason are the worker's (or the engine's) own words.
  if (view.activity && !(view.reason && view.activity.includes(view.reason))) md.appendMarkdown(`${vscode.l10n.t('**Now:** {0}', escapeMarkdown(view.activity))}  \n`);
  if (view.reason) md.appendMarkdown(`${vscode.l10n.t('**Why:** {0}', escapeMarkdown(view.reason))}  \n`);
  if (view.checkpointError) md.appendMarkdown(`$(warning) ${vscode.l10n.t('**Checkpoint failed:** {0} Its uncommitted work is only on disk.', escapeMarkdown(view.checkpointError))}  \n`);
  if (view.agentAt) md.appendMarkdown(`${vscode.l10n.t('**Agent last reported:** {0}', new Date(view.agentAt).toLocaleString())}  \n`);
  if (view.tokens !== undefined) md.appendMarkdown(`${vscode.l10n.t('**Tokens:** {0}', view.tokens.toLocaleString())}  \n`);
  if (view.startedAt) md.appendMarkdown(`${vscode.l10n.t('**Started:** {0}', new Date(view.startedAt).toLocaleString())}  \n`);
  if (merge) {
    const at = `\`${merge.base}\` (\`${merge.base_commit.slice(0, 7)}\`)`;
    md.appendMarkdown(
      `${
        merge.conflicts.length
          ? `$(warning) ${vscode.l10n.t('**Merge:** conflicts with {0} in {1}. Approving stops at this conflict: resolve it in the editor, or ask the worker to rebase.', at, merge.conflicts.map((f) => `\`${f.replace(/`/g, "'")}\``).join(', '))}`
          : vscode.l10n.t('**Merge:** merges cleanly into {0}.', at)
      }  \n`,
    );
  }
  if (worktree) {
    const where = `\`${worktree}\``;
    md.appendMarkdown(
      `${missing ? vscode.l10n.t('**Worktree:** {0} — deleted; its branch keeps the committed work, and Restart Worker makes it again', where) : vscode.l10n.t('**Worktree:** {0}', where)}  \n`,
    );
  }
  if (problem) md.appendMarkdown(`\n$(warning) ${vscode.l10n.t('**Heartbeat problem:** {0}', escapeMarkdown(problem))}`);
  return md;
}
