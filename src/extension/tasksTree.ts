// The Tasks view: the plan's tasks grouped by stage (what can run together) or by status.
import * as vscode from 'vscode';
import { metricsTooltip } from './metricsView';
import type { ConflictGroup } from '../core/graph/analysis';
import { conflictsByTask, rivalsIn } from '../core/graph/conflicts';
import type { PlanDiagnostic, Task } from '../core/plan/model';
import { problemsByTask } from '../core/plan/needsFix';
import { gatesVerdict } from '../core/run/reviewSummary';
import { branchTipFromFiles } from '../core/git/merge';
import { workChangedSince } from '../core/git/workState';
import { conflictHolds, holdText, type ConflictHold } from '../core/run/scheduler';
import { LIVE_STATES, type TaskState } from '../core/run/states';
import { TEAM_TASK_ID } from '../core/run/teamPlan';
import type { PlanSnapshot, PlanSource, TeamView } from './planSource';
import type { Workers } from './workers';
import { STATE_ORDER, stateIcon, stateLabel } from './taskStateIcons';
import { escapeMarkdown, inlineCode } from './wording';

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
  /** The file conflicts it is in (groups of tasks that may run at the same time and touch the same path). */
  conflicts: readonly ConflictGroup[];
  /** Set when it is ready but waits for a live task it may conflict with. */
  hold?: ConflictHold;
  /** The plan's errors that touch this task (an unknown dependency, a cycle); no worker until they are fixed. */
  problems: PlanDiagnostic[];
  /** Shown in the window of this task's own worktree: nothing is started from here. */
  worktreeWindow?: boolean;
}
/** While a team writes the plan: what it proposes so far, read from its worktree (not the plan yet). */
export interface ProposalNode {
  kind: 'proposal';
  tasks: Task[];
  problems: number;
  written: boolean;
}
/** A task the team proposes: nothing can be started from it until the proposal is approved. */
export interface ProposedTaskNode {
  kind: 'proposedTask';
  task: Task;
  stage: number | undefined;
}
export type TasksNode = ProblemNode | StageNode | StatusNode | TaskNode | ProposalNode | ProposedTaskNode;

export type GroupBy = 'stage' | 'status';

/** A row as the tree shows it: which, where, and everything it says (as text, to compare). */
interface Row {
  node: TasksNode;
  id: string | undefined;
  depth: number;
  text: string;
}
const GROUP_BY_KEY = 'baton.tasksGroupBy';

class TasksTreeProvider implements vscode.TreeDataProvider<TasksNode> {
  private readonly changed = new vscode.EventEmitter<TasksNode[] | void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly planSource: PlanSource,
    private readonly workers: Workers,
    public groupBy: GroupBy,
  ) {}

  /** Conflicts per task and the current holds, worked out once per refresh rather than per tree level. */
  private memo: ConflictInfo | undefined;

  /** What the tree showed at the last refresh (see refreshForWorkers). */
  private shown: Row[] | undefined;
  /**
   * One node object per task, kept across redraws and updated in place: VS Code knows a row by the object
   * it was given, so a task's row can be redrawn alone.
   */
  private readonly taskNodes = new Map<string, TaskNode>();

  refresh(): void {
    this.memo = undefined;
    this.taskNodes.clear(); // the whole tree is asked for again: tasks gone from the plan are forgotten
    this.shown = this.rendering();
    this.changed.fire();
  }

  /**
   * Redraws the tree after a worker changed, only what it shows that changed. A redraw of the whole tree
   * makes VS Code forget which element each row stands for until it has asked for them again, and a click on
   * a row's inline action in that gap reaches the command with no element (Start Worker then asked which
   * task). So when only tasks' rows changed, in place, those rows are redrawn alone; rows that come, go or
   * move (grouped by status) redraw the tree. Workers change far more often than anything this view shows.
   * (A plan change always redraws: the nodes carry where each task is written.)
   */
  refreshForWorkers(): void {
    this.memo = undefined;
    const rows = this.rendering();
    const before = this.shown;
    const changed = before && rows.length === before.length && rows.every((r, i) => r.id === before[i].id && r.depth === before[i].depth) ? rows.filter((r, i) => r.text !== before[i].text) : undefined;
    if (changed?.length === 0) return;
    if (!changed || changed.some((r) => r.node.kind !== 'task')) return this.refresh();
    this.shown = rows;
    this.changed.fire(changed.map((r) => r.node));
  }

  private rendering(): Row[] {
    const rows: Row[] = [];
    const walk = (nodes: TasksNode[], depth: number) => {
      for (const node of nodes) {
        const item = this.getTreeItem(node);
        const icon = item.iconPath instanceof vscode.ThemeIcon ? [item.iconPath.id, item.iconPath.color?.id] : String(item.iconPath);
        const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : item.tooltip;
        const label = typeof item.label === 'object' ? item.label.label : item.label;
        const text = JSON.stringify([label, item.description, tooltip, item.contextValue, icon, item.collapsibleState, item.command?.command]);
        rows.push({ node, id: item.id, depth, text });
        walk(this.getChildren(node), depth + 1);
      }
    };
    walk(this.getChildren(), 0);
    return rows;
  }

  /** The kept node of the task, updated to `fresh`. */
  private keep(fresh: TaskNode): TaskNode {
    const kept = this.taskNodes.get(fresh.task.id);
    if (!kept) {
      this.taskNodes.set(fresh.task.id, fresh);
      return fresh;
    }
    for (const key of Object.keys(kept)) if (!(key in fresh)) delete (kept as unknown as Record<string, unknown>)[key];
    return Object.assign(kept, fresh);
  }

  private conflictInfo(snapshot: PlanSnapshot, states: States): ConflictInfo {
    const groups = snapshot.analysis?.conflicts ?? [];
    this.memo ??= { byTask: conflictsByTask(groups), holds: conflictHolds(snapshot.plan, states, groups) };
    return this.memo;
  }

  dispose(): void {
    this.changed.dispose();
  }

  getChildren(node?: TasksNode): TasksNode[] {
    return this.children(node).map((n) => (n.kind === 'task' ? this.keep(n) : n));
  }

  private children(node?: TasksNode): TasksNode[] {
    const snapshot = this.planSource.current;
    if (!snapshot) return [];
    const states = this.workers.taskStates(snapshot);
    const info = this.conflictInfo(snapshot, states);
    if (node?.kind === 'proposal') return node.tasks.map((task) => ({ kind: 'proposedTask', task, stage: snapshot.team?.proposal?.analysis?.stageOf.get(task.id) }));
    if (node) return node.kind === 'stage' || node.kind === 'status' ? node.tasks.map((t) => taskNode(snapshot, states, info, t)) : [];
    const here = this.workers.worktreeWindow;
    if (here) {
      // The window of one task's worktree: that task, its state read from the main repository.
      const task = snapshot.plan.tasks.find((t) => t.id === here.taskId);
      return task ? [{ ...taskNode(snapshot, states, info, task), worktreeWindow: true }] : [];
    }
    if (snapshot.team) {
      // The planning task with its worker, review and approval; below it, the plan it proposes so far.
      const proposal = snapshot.team.proposal;
      return [
        ...snapshot.plan.tasks.map((t) => taskNode(snapshot, states, info, t)),
        { kind: 'proposal', tasks: proposal?.plan.tasks ?? [], problems: proposal?.diagnostics.filter((d) => d.severity === 'error').length ?? 0, written: proposal !== undefined },
      ];
    }
    const roots: TasksNode[] = [];
    const { diagnostics } = snapshot;
    if (diagnostics.length > 0) {
      roots.push({ kind: 'problem', count: diagnostics.length, hasErrors: diagnostics.some((d) => d.severity === 'error') });
    }
    return roots.concat(this.groupBy === 'stage' ? stageGroups(snapshot, states, info) : statusGroups(snapshot, states));
  }

  /** Needed by TreeView.reveal (the graph selects a task): a task's parent is its stage or status group. */
  getParent(node: TasksNode): TasksNode | undefined {
    const snapshot = this.planSource.current;
    if (node.kind === 'proposedTask') return this.getChildren().find((n) => n.kind === 'proposal');
    if (node.kind !== 'task' || !snapshot || snapshot.team) return undefined;
    const groups = this.getChildren().filter((g): g is StageNode | StatusNode => g.kind === 'stage' || g.kind === 'status');
    return groups.find((g) => g.tasks.some((t) => t.id === node.task.id));
  }

  /** The task's node as the tree shows it now, if the plan has that task. */
  taskNode(id: string): TaskNode | undefined {
    const snapshot = this.planSource.current;
    const task = snapshot?.plan.tasks.find((t) => t.id === id);
    if (!snapshot || !task) return undefined;
    const states = this.workers.taskStates(snapshot);
    return this.keep(taskNode(snapshot, states, this.conflictInfo(snapshot, states), task));
  }

  /** Metrics read the task's events: only when the person hovers it, not at every refresh. */
  resolveTreeItem(item: vscode.TreeItem, node: TasksNode): vscode.TreeItem {
    const snapshot = this.planSource.current;
    const layout = this.workers.batonLayout;
    if (node.kind !== 'task' || !snapshot || !layout || !(item.tooltip instanceof vscode.MarkdownString)) return item;
    const metrics = metricsTooltip(layout, snapshot.plan, node.task.id);
    if (metrics) item.tooltip.appendMarkdown(`\n\n---\n\n${metrics}`);
    return item;
  }

  getTreeItem(node: TasksNode): vscode.TreeItem {
    switch (node.kind) {
      case 'problem':
        return problemItem(node);
      case 'stage':
      case 'status':
        return groupItem(node);
      case 'task':
        return taskItem(node, this.workers);
      case 'proposal':
        return proposalItem(node, this.planSource.current?.team);
      case 'proposedTask':
        return proposedTaskItem(node, this.planSource.current?.team?.proposal?.uri);
    }
  }

}

/** The tree's data provider (the extension's API hands it to host tests), and the link the Graph panel uses. */
export interface TasksTree extends vscode.TreeDataProvider<TasksNode> {
  /** Selects and shows a task's row; false when it was already selected (or there is no such task). */
  revealTask(id: string): Promise<boolean>;
  /** Fires with a task id when the person selects a task's row. */
  readonly onDidSelectTask: vscode.Event<string>;
}

export function registerTasksTree(context: vscode.ExtensionContext, planSource: PlanSource, workers: Workers): TasksTree {
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
    view.message = message();
    // Picks the view's welcome text: no plan, a plan with no tasks, or the tree itself.
    const state = !snapshot ? 'missing' : snapshot.plan.tasks.length + snapshot.diagnostics.length === 0 ? 'empty' : 'loaded';
    void vscode.commands.executeCommand('setContext', 'baton.planState', state);
    // While a team writes the plan, the plan is not edited by hand (Add Task is hidden).
    void vscode.commands.executeCommand('setContext', 'baton.teamPlanning', snapshot?.team !== undefined);
  };
  /** Above the tree: in a task's own worktree window, where its state comes from; while a team plans, what is shown. */
  const message = (): string | undefined => {
    const here = workers.worktreeWindow;
    if (here) return vscode.l10n.t('This window is the worktree of task "{0}". Its state is read from {1}; start, stop and approve work from that repository\'s window.', here.taskId, here.mainRoot);
    const snapshot = planSource.current;
    return snapshot?.team
      ? vscode.l10n.t(
          'A team is writing the plan for "{0}" ({1}). What it proposes is shown as it is written; it becomes the plan when you review and approve {2}.',
          snapshot.team.goal,
          snapshot.team.phase === 'manager' ? vscode.l10n.t('the manager drafts it, then the architect finishes it') : vscode.l10n.t('the architect is finishing the manager\'s draft'),
          TEAM_TASK_ID,
        )
      : undefined;
  };
  void vscode.commands.executeCommand('setContext', GROUP_BY_KEY, provider.groupBy);
  const selected = new vscode.EventEmitter<string>();
  context.subscriptions.push(
    provider,
    view,
    selected,
    view.onDidChangeSelection((e) => {
      const node = e.selection[0];
      if (node?.kind === 'task') selected.fire(node.task.id);
    }),
    planSource.onDidChange(update),
    workers.onDidChange(() => {
      provider.refreshForWorkers();
      view.message = message();
    }),
    vscode.commands.registerCommand('baton.groupByStatus', () => setGroupBy('status')),
    vscode.commands.registerCommand('baton.groupByStage', () => setGroupBy('stage')),
    vscode.commands.registerCommand('baton.refresh', () => planSource.reload()),
  );
  return Object.assign(provider, {
    onDidSelectTask: selected.event,
    async revealTask(id: string) {
      const node = provider.taskNode(id) ?? proposedNode(planSource.current, id);
      const selected = view.selection[0];
      if (!node || ((selected?.kind === 'task' || selected?.kind === 'proposedTask') && selected.task.id === id)) return false;
      await view.reveal(node, { select: true, focus: false, expand: true });
      return true;
    },
  });
}

type States = Map<string, TaskState>;
type ConflictInfo = { byTask: Map<string, ConflictGroup[]>; holds: Map<string, ConflictHold> };

const NEEDS_FIX = vscode.l10n.t('Needs a fix in the plan');

function stageGroups(snapshot: PlanSnapshot, states: States, info: ConflictInfo): TasksNode[] {
  const { plan, analysis } = snapshot;
  if (!analysis) return plan.tasks.map((t) => taskNode(snapshot, states, info, t));
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

function taskNode(snapshot: PlanSnapshot, states: States, info: ConflictInfo, task: Task): TaskNode {
  const problems = problemsOf(snapshot).get(task.id) ?? [];
  return {
    kind: 'task',
    task,
    state: states.get(task.id) ?? 'blocked',
    stage: snapshot.analysis?.stageOf.get(task.id),
    conflicts: info.byTask.get(task.id) ?? [],
    hold: info.holds.get(task.id),
    problems,
  };
}

/** States in which a file conflict is still ahead: the task has not started or finished. */
const NOT_STARTED: ReadonlySet<TaskState> = new Set(['ready', 'blocked']);

const byTask = new WeakMap<PlanSnapshot, Map<string, PlanDiagnostic[]>>();
function problemsOf(snapshot: PlanSnapshot): Map<string, PlanDiagnostic[]> {
  let map = byTask.get(snapshot);
  if (!map) byTask.set(snapshot, (map = problemsByTask(snapshot.plan, snapshot.diagnostics)));
  return map;
}

/** A task the plan's errors touch, with no worker yet: it cannot start until the plan is fixed. */
function needsFix(node: TaskNode): boolean {
  return node.problems.length > 0 && (node.state === 'ready' || node.state === 'blocked');
}

function problemItem(node: ProblemNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.count === 1 ? vscode.l10n.t('1 problem in the plan') : vscode.l10n.t('{0} problems in the plan', node.count));
  item.id = 'problems';
  item.contextValue = node.kind;
  item.iconPath = node.hasErrors
    ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
    : new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.tooltip = vscode.l10n.t('Show them in the Problems panel. The tree lists the tasks that could be read.');
  item.command = { command: 'workbench.actions.view.problems', title: vscode.l10n.t('Show Problems') };
  return item;
}

function groupItem(node: StageNode | StatusNode): vscode.TreeItem {
  const tasks = node.tasks.length === 1 ? vscode.l10n.t('1 task') : vscode.l10n.t('{0} tasks', node.tasks.length);
  const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.Expanded);
  item.contextValue = node.kind;
  if (node.kind === 'stage') {
    item.id = `stage:${node.stage ?? 'unplaced'}`;
    item.label = node.stage === undefined ? vscode.l10n.t('Not in a stage · {0}', tasks) : vscode.l10n.t('Stage {0} · {1}', node.stage + 1, tasks);
    item.tooltip =
      node.stage === undefined
        ? vscode.l10n.t('These tasks are on a dependency cycle or wait for one: fix the problems in the plan to place them.')
        : vscode.l10n.t('Tasks in one stage do not depend on each other: they can run at the same time once the earlier stages are approved.');
  } else {
    item.id = `status:${node.state}`;
    item.label = `${stateLabel(node.state)} · ${tasks}`;
    item.iconPath = stateIcon(node.state);
  }
  return item;
}

function taskItem(node: TaskNode, workers: Workers): vscode.TreeItem {
  const { task } = node;
  const item = new vscode.TreeItem(task.title || task.id);
  // Stable across refreshes, so selection and expansion stay put while the plan is edited, and the graph can reveal it.
  item.id = `task:${task.id}`;
  // `task.ready` offers Start Worker, `task.worker` the worker's actions, `task.review` Review, Gates,
  // Request Changes and Discard, `task.needsFix` nothing to start; menus match `viewItem =~ /^task/`.
  const fix = needsFix(node);
  item.contextValue = fix
    ? 'task.needsFix'
    : node.state === 'ready'
      ? node.worktreeWindow ? 'task' : 'task.ready'
      : LIVE_STATES.has(node.state) ? 'task.worker' : node.state === 'review' ? 'task.review' : 'task';
  // ✓/✗ once the gates have run on this task's work.
  const result = node.state === 'approved' || node.state === 'ready' || node.state === 'blocked' ? undefined : workers.result(task.id);
  // Results from an older commit than the branch's are stale (the tree compares commits only: reading the
  // worktree's uncommitted state on every redraw would cost a git call per task; the review and Approve do).
  const root = result?.gates_commit ? workers.root() : undefined;
  const tip = root ? branchTipFromFiles(root, `baton/${task.id}`) : undefined;
  const stale = result?.gates_commit && tip ? workChangedSince({ commit: result.gates_commit }, { head: tip, uncommitted: '' }) : undefined;
  const verdict = result?.gates && task.gates.length ? gatesVerdict(task, result, stale) : undefined;
  const gates = verdict ? (stale ? vscode.l10n.t('gates stale') : verdict.endsWith('passed') ? vscode.l10n.t('gates ✓') : vscode.l10n.t('gates ✗')) : undefined;
  item.description = [fix ? NEEDS_FIX : undefined, task.id, task.estimate, gates].filter(Boolean).join(' · ');
  item.iconPath = fix ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')) : stateIcon(node.state);
  if (!fix && node.hold) {
    item.description += ` · ${holdText(node.hold)}`;
    item.iconPath = new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  } else if (!fix && node.conflicts.length > 0 && NOT_STARTED.has(node.state)) {
    // Same shape as its state, in the warning colour: it may collide with another task's files.
    item.iconPath = new vscode.ThemeIcon(stateIcon(node.state).id, new vscode.ThemeColor('problemsWarningIcon.foreground'));
  }
  item.tooltip = taskTooltip(node, result?.gates ? verdict : undefined);
  const history = node.state === 'ready' || node.state === 'blocked' ? [] : workers.history(task.id);
  if (history.length) {
    item.tooltip.appendMarkdown(`\n\n---\n\n**${vscode.l10n.t('History')}**  \n`);
    for (const h of history.slice(-12)) item.tooltip.appendMarkdown(`${new Date(h.at).toLocaleString()} — ${escapeMarkdown(h.text)}  \n`);
  }
  item.command = { command: 'baton.openTask', title: vscode.l10n.t('Open Task in Plan'), arguments: [node] };
  // A failed merge offers Approve again, and for a conflict the two ways out of it.
  if (node.state === 'conflict' || node.state === 'integration_failed') item.contextValue = `task.${node.state}`;
  return item;
}

function taskTooltip(node: TaskNode, gatesRun?: string): vscode.MarkdownString {
  const { task, state, stage, conflicts, hold } = node;
  const code = (values: string[]) => values.map(inlineCode).join(', ');
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown(`**${escapeMarkdown(task.title || task.id)}** \`${task.id}\`\n\n`);
  const where = stage === undefined ? '' : ` · ${vscode.l10n.t('Stage {0}', stage + 1)}`;
  if (needsFix(node)) {
    md.appendMarkdown(`$(error) ${NEEDS_FIX}${where}\n\n`);
    for (const p of node.problems) md.appendMarkdown(`- ${vscode.l10n.t('{0} (line {1})', escapeMarkdown(p.message), p.span.start.line)}\n`);
    md.appendMarkdown('\n');
  } else {
    md.appendMarkdown(`$(${stateIcon(state).id}) ${stateLabel(state)}${where}\n\n`);
  }
  // The hold's words come from the engine (the CLI prints them too).
  if (hold) md.appendMarkdown(`$(debug-pause) ${vscode.l10n.t('Not started yet: it {0}.', escapeMarkdown(holdText(hold)))}\n\n`);
  // An approved worker request writes the description: its Markdown is shown as text (an image would load).
  if (task.description.trim()) md.appendMarkdown(`${escapeMarkdown(task.description.trim())}\n\n---\n\n`);
  md.appendMarkdown(`${vscode.l10n.t('**Depends on:** {0}', task.deps.length ? code(task.deps) : vscode.l10n.t('nothing'))}  \n`);
  md.appendMarkdown(`${vscode.l10n.t('**Files:** {0}', task.files.length ? code(task.files) : vscode.l10n.t('none listed'))}  \n`);
  md.appendMarkdown(`${vscode.l10n.t('**Gates:** {0}', task.gates.length ? code(task.gates) : vscode.l10n.t('none'))}${gatesRun ? ` — ${escapeMarkdown(gatesRun)}` : ''}`);
  const facts = [
    task.estimate && vscode.l10n.t('**Estimate:** {0}', escapeMarkdown(task.estimate)),
    task.complexity && vscode.l10n.t('**Complexity:** {0}', escapeMarkdown(task.complexity)),
    task.persona && vscode.l10n.t('**Persona:** {0}', escapeMarkdown(task.persona)),
  ].filter(Boolean);
  if (facts.length) md.appendMarkdown(`  \n${facts.join(' · ')}`);
  if (conflicts.length) md.appendMarkdown(`\n\n---\n\n${conflictTooltip(task.id, conflicts)}`);
  return md;
}

/** The tooltip's file conflicts: per contested path, the tasks it may run alongside and the suggested dependency. */
function conflictTooltip(id: string, groups: readonly ConflictGroup[]): string {
  const shown = 5;
  const lines = [`$(warning) ${vscode.l10n.t('**File conflicts:** may run at the same time as tasks that touch the same files')}`];
  for (const g of groups.slice(0, shown)) {
    const rivals = rivalsIn(g, id);
    const listed = rivals.slice(0, shown).map((r) => `\`${r}\``).join(', ');
    const names = rivals.length > shown ? vscode.l10n.t('{0} and {1} more', listed, rivals.length - shown) : listed;
    const dep = g.suggestion.deps.find((d) => d.task === id);
    lines.push(
      `- ${dep ? vscode.l10n.t('{0} with {1} · suggested: depend on {2}', inlineCode(g.path), names, `\`${dep.dependsOn}\``) : vscode.l10n.t('{0} with {1}', inlineCode(g.path), names)}`,
    );
  }
  const more = groups.length - shown;
  if (more > 0) lines.push(`- ${more === 1 ? vscode.l10n.t('and 1 more path (Show Plan Analysis lists them)') : vscode.l10n.t('and {0} more paths (Show Plan Analysis lists them)', more)}`);
  return lines.join('\n');
}

/** A task of the team's proposal as the tree shows it (the graph selects proposed tasks too). */
function proposedNode(snapshot: PlanSnapshot | undefined, id: string): ProposedTaskNode | undefined {
  const proposal = snapshot?.team?.proposal;
  const task = proposal?.plan.tasks.find((t) => t.id === id);
  return task && { kind: 'proposedTask', task, stage: proposal?.analysis?.stageOf.get(id) };
}

function proposalItem(node: ProposalNode, team: TeamView | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(
    !node.written ? vscode.l10n.t('Proposed plan · nothing written yet') : node.tasks.length === 1 ? vscode.l10n.t('Proposed plan · 1 task') : vscode.l10n.t('Proposed plan · {0} tasks', node.tasks.length),
    node.tasks.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
  );
  // A new id once tasks arrive: VS Code would otherwise keep the row as it first was, with nothing to expand.
  item.id = node.tasks.length ? 'proposal' : 'proposal:empty';
  item.contextValue = node.kind;
  const errors = node.problems === 0 ? undefined : node.problems === 1 ? vscode.l10n.t('1 error') : vscode.l10n.t('{0} errors', node.problems);
  item.description = [vscode.l10n.t('not approved yet'), errors].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon('lightbulb', node.problems ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
  const where = team?.proposal?.label ?? vscode.l10n.t('the team\'s worktree');
  item.tooltip = new vscode.MarkdownString(
    `**${escapeMarkdown(vscode.l10n.t('A proposal, not the plan yet'))}**\n\n${escapeMarkdown(vscode.l10n.t('What the team has written so far in {0}. Nothing here can start: review and approve {1}, and these tasks become the plan.', where, TEAM_TASK_ID))}`,
  );
  if (team?.proposal) item.command = { command: 'vscode.open', title: vscode.l10n.t('Open the Proposed Plan'), arguments: [team.proposal.uri] };
  return item;
}

function proposedTaskItem(node: ProposedTaskNode, file: vscode.Uri | undefined): vscode.TreeItem {
  const { task } = node;
  const item = new vscode.TreeItem(task.title || task.id);
  item.id = `proposed:${task.id}`;
  item.contextValue = node.kind;
  item.description = [task.id, task.estimate, task.persona, vscode.l10n.t('proposed')].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon('circle-large-outline', new vscode.ThemeColor('descriptionForeground'));
  const code = (values: string[]) => values.map(inlineCode).join(', ');
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown(`**${escapeMarkdown(task.title || task.id)}** \`${task.id}\` · $(lightbulb) ${vscode.l10n.t('proposed')}${node.stage === undefined ? '' : ` · ${vscode.l10n.t('Stage {0}', node.stage + 1)}`}\n\n`);
  if (task.description.trim()) md.appendMarkdown(`${escapeMarkdown(task.description.trim())}\n\n---\n\n`);
  md.appendMarkdown(`${vscode.l10n.t('**Depends on:** {0}', task.deps.length ? code(task.deps) : vscode.l10n.t('nothing'))}  \n`);
  md.appendMarkdown(`${vscode.l10n.t('**Files:** {0}', task.files.length ? code(task.files) : vscode.l10n.t('none listed'))}  \n`);
  md.appendMarkdown(vscode.l10n.t('**Gates:** {0}', task.gates.length ? code(task.gates) : vscode.l10n.t('none')));
  item.tooltip = md;
  if (file && task.span.start.line > 0) {
    const at = new vscode.Position(task.span.start.line - 1, 0);
    item.command = { command: 'vscode.open', title: vscode.l10n.t('Open the Proposed Task'), arguments: [file, { selection: new vscode.Range(at, at) }] };
  }
  return item;
}
