// "Baton: 12 tasks · 3 ready", or with workers "Baton: 3 running · 2 ready · 1 needs you"; a click opens
// Baton's menu (a quick pick): Show Tasks, Show Graph, and what the counts suggest doing next.
import * as vscode from 'vscode';
import { NEEDS_YOU_STATES, WORKING_STATES } from '../core/run/states';
import type { PlanSource } from './planSource';
import { stateLabel } from './taskStateIcons';
import type { Workers } from './workers';

export function registerStatusBar(context: vscode.ExtensionContext, planSource: PlanSource, workers: Workers): void {
  const item = vscode.window.createStatusBarItem('baton.status', vscode.StatusBarAlignment.Left, 10);
  item.name = vscode.l10n.t('Baton');
  item.command = 'baton.statusMenu';
  const update = () => {
    const snapshot = planSource.current;
    if (!snapshot) {
      item.hide();
      return;
    }
    const { plan, diagnostics, file } = snapshot;
    const states = workers.taskStates(snapshot);
    const here = workers.worktreeWindow;
    if (here) {
      // One task's worktree in its own window: that task and its worker.
      const state = states.get(here.taskId);
      item.text = `$(git-branch) ${state ? vscode.l10n.t('Baton: {0} · {1}', here.taskId, stateLabel(state)) : vscode.l10n.t('Baton: {0}', here.taskId)}`;
      item.tooltip = vscode.l10n.t('This window is the worktree of task "{0}" (branch baton/{0}). Click for Baton\'s menu.', here.taskId);
      item.backgroundColor = undefined;
    } else if (diagnostics.some((d) => d.severity === 'error')) {
      item.text = `$(error) ${diagnostics.length === 1 ? vscode.l10n.t('Baton: 1 problem') : vscode.l10n.t('Baton: {0} problems', diagnostics.length)}`;
      item.tooltip = vscode.l10n.t('{0} has problems: see the Problems panel. Click for Baton\'s menu.', file);
    } else {
      const all = [...states.values()];
      const ready = all.filter((s) => s === 'ready').length;
      const running = all.filter((s) => WORKING_STATES.has(s)).length;
      const needsYou = all.filter((s) => NEEDS_YOU_STATES.has(s)).length;
      if (running + needsYou === 0) {
        const tasks = plan.tasks.length === 1 ? vscode.l10n.t('Baton: 1 task · {0} ready', ready) : vscode.l10n.t('Baton: {0} tasks · {1} ready', plan.tasks.length, ready);
        item.text = `$(checklist) ${tasks}`;
      } else {
        const text = needsYou
          ? vscode.l10n.t('Baton: {0} running · {1} ready · {2} needs you', running, ready, needsYou)
          : vscode.l10n.t('Baton: {0} running · {1} ready', running, ready);
        item.text = `$(${running ? 'sync~spin' : 'checklist'}) ${text}`;
      }
      item.tooltip =
        ready === 1
          ? vscode.l10n.t('{0}: 1 task ready to start, {1} running, {2} waiting for you. Click for Baton\'s menu.', plan.name || file, running, needsYou)
          : vscode.l10n.t('{0}: {1} tasks ready to start, {2} running, {3} waiting for you. Click for Baton\'s menu.', plan.name || file, ready, running, needsYou);
      item.backgroundColor = needsYou ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    }
    item.show();
  };
  context.subscriptions.push(
    item,
    planSource.onDidChange(update),
    workers.onDidChange(update),
    vscode.commands.registerCommand('baton.statusMenu', () => showMenu(item.text.replace(/^\$\([^)]*\)\s*/, ''), planSource, workers)),
  );
}

interface MenuItem extends vscode.QuickPickItem {
  command: string;
}

/** The status bar item's menu: always the two views of the plan, then only what applies right now. */
async function showMenu(title: string, planSource: PlanSource, workers: Workers): Promise<void> {
  const snapshot = planSource.current;
  const items: MenuItem[] = [
    { label: `$(list-tree) ${vscode.l10n.t('Show Tasks')}`, detail: vscode.l10n.t("The plan by stage, with each task's state, in the Baton view"), command: 'baton.tasks.focus' },
    { label: `$(type-hierarchy) ${vscode.l10n.t('Show Graph')}`, detail: vscode.l10n.t('The plan as a live graph beside the editor'), command: 'baton.showGraph' },
  ];
  if (snapshot) {
    const states = [...workers.taskStates(snapshot).values()];
    const errors = snapshot.diagnostics.filter((d) => d.severity === 'error').length;
    const ready = states.filter((s) => s === 'ready').length;
    if (errors) {
      const detail = errors === 1 ? vscode.l10n.t('1 problem in {0}', snapshot.file) : vscode.l10n.t('{0} problems in {1}', errors, snapshot.file);
      items.push({ label: `$(error) ${vscode.l10n.t('Show Problems')}`, detail, command: 'workbench.actions.view.problems' });
    }
    // Only where it would start something: a plan without errors, a trusted workspace, the main window.
    if (ready && !errors && vscode.workspace.isTrusted && !workers.worktreeWindow) {
      const detail = vscode.l10n.t('Start a worker for each ready task ({0}), up to the worker limit', ready);
      items.push({ label: `$(run-all) ${vscode.l10n.t('Start Ready Tasks')}`, detail, command: 'baton.startReadyTasks' });
    }
    if (workers.records.size) {
      items.push({ label: `$(pulse) ${vscode.l10n.t('Show Run Report')}`, detail: vscode.l10n.t('Time, tokens and cost per task'), command: 'baton.showRunReport' });
    }
  }
  const choice = await vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t('Choose what to show or do') });
  if (choice) await vscode.commands.executeCommand(choice.command);
}
