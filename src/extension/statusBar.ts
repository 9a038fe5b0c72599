// "Baton: 12 tasks · 3 ready", or with workers "Baton: 3 running · 2 ready · 1 needs you"; a click shows
// the Tasks view.
import * as vscode from 'vscode';
import { NEEDS_YOU_STATES, WORKING_STATES } from '../core/run/states';
import type { PlanSource } from './planSource';
import { count } from './wording';
import { stateLabel } from './taskStateIcons';
import type { Workers } from './workers';

export function registerStatusBar(context: vscode.ExtensionContext, planSource: PlanSource, workers: Workers): void {
  const item = vscode.window.createStatusBarItem('baton.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Baton';
  item.command = 'baton.tasks.focus';
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
      item.text = `$(git-branch) Baton: ${here.taskId}${state ? ` · ${stateLabel(state)}` : ''}`;
      item.tooltip = `This window is the worktree of task "${here.taskId}" (branch baton/${here.taskId}). Click to show it.`;
      item.backgroundColor = undefined;
    } else if (diagnostics.some((d) => d.severity === 'error')) {
      item.text = `$(error) Baton: ${count(diagnostics.length, 'problem')}`;
      item.tooltip = `${file} has problems: see the Problems panel. Click to show the tasks.`;
    } else {
      const all = [...states.values()];
      const ready = all.filter((s) => s === 'ready').length;
      const running = all.filter((s) => WORKING_STATES.has(s)).length;
      const needsYou = all.filter((s) => NEEDS_YOU_STATES.has(s)).length;
      if (running + needsYou === 0) {
        item.text = `$(checklist) Baton: ${count(plan.tasks.length, 'task')} · ${ready} ready`;
      } else {
        item.text = `$(${running ? 'sync~spin' : 'checklist'}) Baton: ${running} running · ${ready} ready${needsYou ? ` · ${needsYou} needs you` : ''}`;
      }
      item.tooltip = `${plan.name || file}: ${count(ready, 'task')} ready to start, ${running} running, ${needsYou} waiting for you. Click to show the tasks.`;
      item.backgroundColor = needsYou ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    }
    item.show();
  };
  context.subscriptions.push(item, planSource.onDidChange(update), workers.onDidChange(update));
}
