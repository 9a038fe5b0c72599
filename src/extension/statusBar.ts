// "Baton: 12 tasks · 3 ready" in the status bar; a click shows the Tasks view.
import * as vscode from 'vscode';
import type { PlanSnapshot, PlanSource } from './planSource';
import { count } from './wording';

export function registerStatusBar(context: vscode.ExtensionContext, planSource: PlanSource): void {
  const item = vscode.window.createStatusBarItem('baton.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Baton';
  item.command = 'baton.tasks.focus';
  const update = (snapshot: PlanSnapshot | undefined) => {
    if (!snapshot) {
      item.hide();
      return;
    }
    const { plan, diagnostics, states, file } = snapshot;
    if (diagnostics.some((d) => d.severity === 'error')) {
      item.text = `$(error) Baton: ${count(diagnostics.length, 'problem')}`;
      item.tooltip = `${file} has problems: see the Problems panel. Click to show the tasks.`;
    } else {
      const ready = [...states.values()].filter((s) => s === 'ready').length;
      item.text = `$(checklist) Baton: ${count(plan.tasks.length, 'task')} · ${ready} ready`;
      item.tooltip = `${plan.name || file}: ${count(ready, 'task')} ready to start. Click to show the tasks.`;
    }
    item.show();
  };
  context.subscriptions.push(item, planSource.onDidChange(update));
}
