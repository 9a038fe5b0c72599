// The Workers view: one item per task that has (or had) a worker, with its status, what it is doing
// now, and for how long. Node kind `worker` doubles as contextValue, refined by what can be done with it.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { LIVE_STATES, type TaskState } from '../core/run/states';
import type { WorkerRecord } from '../core/run/runStore';
import type { PlanSource } from './planSource';
import { stateIcon, stateLabel } from './taskStateIcons';
import { escapeMarkdown } from './wording';
import type { Workers } from './workers';

/** States whose reason (the worker's question, why it failed or stalled) says more than its last activity. */
const EXPLAINED_BY_REASON: ReadonlySet<TaskState> = new Set(['worker_blocked', 'failed', 'stalled']);

export interface WorkerNode {
  kind: 'worker';
  taskId: string;
  title: string;
  record: WorkerRecord;
}

class WorkersTreeProvider implements vscode.TreeDataProvider<WorkerNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly workers: Workers,
    private readonly planSource: PlanSource,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  getChildren(node?: WorkerNode): WorkerNode[] {
    if (node) return [];
    const tasks = this.planSource.current?.plan.tasks ?? [];
    const order = new Map(tasks.map((t, i) => [t.id, i]));
    return [...this.workers.records]
      .filter(([, r]) => r.view.state !== 'approved')
      .sort(([a], [b]) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9) || a.localeCompare(b))
      .map(([taskId, record]) => ({ kind: 'worker', taskId, record, title: tasks.find((t) => t.id === taskId)?.title ?? taskId }));
  }

  getTreeItem(node: WorkerNode): vscode.TreeItem {
    const { view } = node.record;
    const item = new vscode.TreeItem(node.title);
    item.id = `worker:${node.taskId}`;
    const live = LIVE_STATES.has(view.state);
    const canReply = view.state === 'waiting_input' || view.state === 'worker_blocked' || view.state === 'idle';
    item.contextValue = `worker${live ? '.live' : '.ended'}${canReply ? '.reply' : ''}${this.workers.terminal(node.taskId) ? '.terminal' : ''}`;
    item.iconPath = stateIcon(view.state);
    const worktree = this.workers.worktree(node.taskId);
    const missing = worktree !== undefined && !existsSync(worktree) ? 'worktree deleted' : undefined;
    // Blocked, failed or stalled: why matters more than the last thing it did.
    const why = EXPLAINED_BY_REASON.has(view.state) ? (view.reason ?? view.activity) : (view.activity ?? view.reason);
    const tokens = view.tokens ? `${view.tokens >= 1000 ? `${(view.tokens / 1000).toFixed(1)}k` : view.tokens} tokens` : undefined;
    const parts = [stateLabel(view.state), missing, why, elapsed(node.record, live), tokens].filter(Boolean);
    item.description = parts.join(' · ');
    item.tooltip = tooltip(node, worktree, missing !== undefined);
    item.command = { command: 'baton.showWorkerTerminal', title: 'Show Terminal', arguments: [node] };
    return item;
  }
}

export function registerWorkersTree(context: vscode.ExtensionContext, workers: Workers, planSource: PlanSource): vscode.TreeDataProvider<WorkerNode> {
  const provider = new WorkersTreeProvider(workers, planSource);
  const view = vscode.window.createTreeView('baton.workers', { treeDataProvider: provider });
  const update = () => {
    provider.refresh();
    const live = [...workers.records.values()].filter((r) => LIVE_STATES.has(r.view.state)).length;
    view.badge = live ? { value: live, tooltip: `${live} worker${live === 1 ? '' : 's'} running` } : undefined;
    void vscode.commands.executeCommand('setContext', 'baton.hasWorkers', workers.records.size > 0);
  };
  // Elapsed times move on even when nothing else changes.
  const tick = setInterval(() => {
    if ([...workers.records.values()].some((r) => LIVE_STATES.has(r.view.state))) provider.refresh();
  }, 10_000);
  context.subscriptions.push(view, workers.onDidChange(update), planSource.onDidChange(update), { dispose: () => clearInterval(tick) });
  update();
  return provider;
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

function tooltip(node: WorkerNode, worktree: string | undefined, missing: boolean): vscode.MarkdownString {
  const { view, problem } = node.record;
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown(`**${escapeMarkdown(node.title)}** \`${node.taskId}\`\n\n`);
  md.appendMarkdown(`$(${stateIcon(view.state).id}) ${stateLabel(view.state)}\n\n`);
  if (view.activity) md.appendMarkdown(`**Now:** ${escapeMarkdown(view.activity)}  \n`);
  if (view.reason) md.appendMarkdown(`**Why:** ${escapeMarkdown(view.reason)}  \n`);
  if (view.tokens !== undefined) md.appendMarkdown(`**Tokens:** ${view.tokens.toLocaleString()}  \n`);
  if (view.startedAt) md.appendMarkdown(`**Started:** ${new Date(view.startedAt).toLocaleString()}  \n`);
  if (worktree) md.appendMarkdown(`**Worktree:** \`${worktree}\`${missing ? ' — deleted; its branch keeps the committed work, and Restart Worker makes it again' : ''}  \n`);
  if (problem) md.appendMarkdown(`\n$(warning) ${escapeMarkdown(problem)}`);
  return md;
}
