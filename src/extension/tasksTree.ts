// The Tasks view: the plan's tasks grouped by stage (what can run together) or by status.
import * as vscode from 'vscode';
import type { Task } from '../core/plan/model';
import { LIVE_STATES, type TaskState } from '../core/run/states';
import type { PlanSnapshot, PlanSource } from './planSource';
import type { Workers } from './workers';
import { STATE_ORDER, stateIcon, stateLabel } from './taskStateIcons';
import { count, escapeMarkdown } from './wording';

// Each node's `kind` is also its TreeItem.contextValue, so package.json menus say `viewItem == task`.
export interface ProblemNode {
  kind: 'problem';
  count: number;
  hasErrors: boolean;
}
export interface StageNode {
  kind: 'stage';
  /** 0-based; undefined holds the tasks the analysis could not place (on or behind a cycle). */
  stage: number | undefined;
  tasks: Task[];
}
export interface StatusNode {
  kind: 'status';
  state: TaskState;
  tasks: Task[];
}
export interface TaskNode {
  kind: 'task';
  task: Task;
  state: TaskState;
  stage: number | undefined;
}
export type TasksNode = ProblemNode | StageNode | StatusNode | TaskNode;

export type GroupBy = 'stage' | 'status';
const GROUP_BY_KEY = 'baton.tasksGroupBy';

class TasksTreeProvider implements vscode.TreeDataProvider<TasksNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly planSource: PlanSource,
    private readonly workers: Workers,
    public groupBy: GroupBy,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }

  getChildren(node?: TasksNode): TasksNode[] {
    const snapshot = this.planSource.current;
    if (!snapshot) return [];
    const states = this.workers.taskStates(snapshot);
    if (node) return node.kind === 'stage' || node.kind === 'status' ? node.tasks.map((t) => taskNode(snapshot, states, t)) : [];
    const roots: TasksNode[] = [];
    const { diagnostics } = snapshot;
    if (diagnostics.length > 0) {
      roots.push({ kind: 'problem', count: diagnostics.length, hasErrors: diagnostics.some((d) => d.severity === 'error') });
    }
    return roots.concat(this.groupBy === 'stage' ? stageGroups(snapshot, states) : statusGroups(snapshot, states));
  }

  getTreeItem(node: TasksNode): vscode.TreeItem {
    switch (node.kind) {
      case 'problem':
        return problemItem(node);
      case 'stage':
      case 'status':
        return groupItem(node);
      case 'task':
        return taskItem(node);
    }
  }
}

/** Returns the tree's data provider (the extension's API hands it to host tests). */
export function registerTasksTree(
  context: vscode.ExtensionContext,
  planSource: PlanSource,
  workers: Workers,
): vscode.TreeDataProvider<TasksNode> {
  const provider = new TasksTreeProvider(planSource, workers, context.workspaceState.get<GroupBy>(GROUP_BY_KEY, 'stage'));
  const view = vscode.window.createTreeView('baton.tasks', { treeDataProvider: provider, showCollapseAll: true });
  const setGroupBy = async (groupBy: GroupBy) => {
    provider.groupBy = groupBy;
    provider.refresh();
    await vscode.commands.executeCommand('setContext', GROUP_BY_KEY, groupBy);
    await context.workspaceState.update(GROUP_BY_KEY, groupBy);
  };
  const update = (snapshot: PlanSnapshot | undefined) => {
    provider.refresh();
    view.description = snapshot?.plan.name || undefined;
    // Picks the view's welcome text: no plan, a plan with no tasks, or the tree itself.
    const state = !snapshot ? 'missing' : snapshot.plan.tasks.length + snapshot.diagnostics.length === 0 ? 'empty' : 'loaded';
    void vscode.commands.executeCommand('setContext', 'baton.planState', state);
  };
  void vscode.commands.executeCommand('setContext', GROUP_BY_KEY, provider.groupBy);
  context.subscriptions.push(
    provider,
    view,
    planSource.onDidChange(update),
    workers.onDidChange(() => provider.refresh()),
    vscode.commands.registerCommand('baton.groupByStatus', () => setGroupBy('status')),
    vscode.commands.registerCommand('baton.groupByStage', () => setGroupBy('stage')),
    vscode.commands.registerCommand('baton.refresh', () => planSource.reload()),
  );
  return provider;
}

type States = Map<string, TaskState>;

function stageGroups(snapshot: PlanSnapshot, states: States): TasksNode[] {
  const { plan, analysis } = snapshot;
  if (!analysis) return plan.tasks.map((t) => taskNode(snapshot, states, t));
  const groups: StageNode[] = analysis.stages.map((_, stage) => ({
    kind: 'stage',
    stage,
    tasks: plan.tasks.filter((t) => analysis.stageOf.get(t.id) === stage),
  }));
  const unplaced = plan.tasks.filter((t) => !analysis.stageOf.has(t.id));
  if (unplaced.length > 0) groups.push({ kind: 'stage', stage: undefined, tasks: unplaced });
  return groups.filter((g) => g.tasks.length > 0);
}

function statusGroups(snapshot: PlanSnapshot, states: States): TasksNode[] {
  return STATE_ORDER.map((state): StatusNode => ({
    kind: 'status',
    state,
    tasks: snapshot.plan.tasks.filter((t) => states.get(t.id) === state),
  })).filter((g) => g.tasks.length > 0);
}

function taskNode(snapshot: PlanSnapshot, states: States, task: Task): TaskNode {
  return {
    kind: 'task',
    task,
    state: states.get(task.id) ?? 'blocked',
    stage: snapshot.analysis?.stageOf.get(task.id),
  };
}

function problemItem(node: ProblemNode): vscode.TreeItem {
  const item = new vscode.TreeItem(`${count(node.count, 'problem')} in the plan`);
  item.id = 'problems';
  item.contextValue = node.kind;
  item.iconPath = node.hasErrors
    ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
    : new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.tooltip = 'Show them in the Problems panel. The tree lists the tasks that could be read.';
  item.command = { command: 'workbench.actions.view.problems', title: 'Show Problems' };
  return item;
}

function groupItem(node: StageNode | StatusNode): vscode.TreeItem {
  const tasks = count(node.tasks.length, 'task');
  const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.Expanded);
  item.contextValue = node.kind;
  if (node.kind === 'stage') {
    item.id = `stage:${node.stage ?? 'unplaced'}`;
    item.label = node.stage === undefined ? `Not in a stage · ${tasks}` : `Stage ${node.stage + 1} · ${tasks}`;
    item.tooltip =
      node.stage === undefined
        ? 'These tasks are on a dependency cycle or wait for one: fix the problems in the plan to place them.'
        : 'Tasks in one stage do not depend on each other: they can run at the same time once the earlier stages are approved.';
  } else {
    item.id = `status:${node.state}`;
    item.label = `${stateLabel(node.state)} · ${tasks}`;
    item.iconPath = stateIcon(node.state);
  }
  return item;
}

function taskItem(node: TaskNode): vscode.TreeItem {
  const { task } = node;
  const item = new vscode.TreeItem(task.title || task.id);
  // `task.ready` offers Start Worker, `task.worker` the worker's actions; menus match `viewItem =~ /^task/`.
  item.contextValue = node.state === 'ready' ? 'task.ready' : LIVE_STATES.has(node.state) ? 'task.worker' : 'task';
  item.description = task.estimate ? `${task.id} · ${task.estimate}` : task.id;
  item.iconPath = stateIcon(node.state);
  item.tooltip = taskTooltip(node);
  item.command = { command: 'baton.openTask', title: 'Open Task in Plan', arguments: [node] };
  return item;
}

function taskTooltip({ task, state, stage }: TaskNode): vscode.MarkdownString {
  const code = (values: string[]) => values.map((v) => `\`${v}\``).join(', ');
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown(`**${escapeMarkdown(task.title || task.id)}** \`${task.id}\`\n\n`);
  const where = stage === undefined ? '' : ` · Stage ${stage + 1}`;
  md.appendMarkdown(`$(${stateIcon(state).id}) ${stateLabel(state)}${where}\n\n`);
  if (task.description.trim()) md.appendMarkdown(`${task.description.trim()}\n\n---\n\n`);
  md.appendMarkdown(`**Depends on:** ${task.deps.length ? code(task.deps) : 'nothing'}  \n`);
  md.appendMarkdown(`**Files:** ${task.files.length ? code(task.files) : 'none listed'}  \n`);
  md.appendMarkdown(`**Gates:** ${task.gates.length ? code(task.gates) : 'none'}`);
  const facts = [
    task.estimate && `**Estimate:** ${task.estimate}`,
    task.complexity && `**Complexity:** ${task.complexity}`,
    task.persona && `**Persona:** ${escapeMarkdown(task.persona)}`,
  ].filter(Boolean);
  if (facts.length) md.appendMarkdown(`  \n${facts.join(' · ')}`);
  return md;
}
