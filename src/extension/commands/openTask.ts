// Opens the plan at a task: what selecting a task in the tree does.
import * as vscode from 'vscode';
import type { PlanSource } from '../planSource';
import type { TaskNode } from '../tasksTree';
import { spanToRange } from '../spans';
import { columnBesideGraph } from '../graphPanel';

export function registerOpenTask(context: vscode.ExtensionContext, planSource: PlanSource): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('baton.openTask', (target: TaskNode | string) => openTask(planSource, target)),
  );
}

/** `target` is a tree node (a click: focus stays in the tree) or a task id. Returns the editor. */
async function openTask(planSource: PlanSource, target: TaskNode | string): Promise<vscode.TextEditor | undefined> {
  const snapshot = planSource.current;
  const id = typeof target === 'string' ? target : target?.task.id;
  // The node may be older than the latest parse: look the task up again for its current line. While a
  // team writes the plan, a task of its proposal (the graph draws those) opens in the team's worktree.
  const proposal = snapshot?.team?.proposal;
  const own = snapshot?.plan.tasks.find((t) => t.id === id);
  const proposed = own ? undefined : proposal?.plan.tasks.find((t) => t.id === id);
  const task = own ?? proposed;
  if (!snapshot || !task) {
    void vscode.window.showWarningMessage(vscode.l10n.t('There is no task "{0}" in the plan.', String(id)));
    return undefined;
  }
  const start = spanToRange(task.span).start;
  const editor = await vscode.window.showTextDocument(proposed && proposal ? proposal.uri : snapshot.uri, {
    selection: new vscode.Range(start, start),
    preserveFocus: typeof target !== 'string',
    viewColumn: columnBesideGraph(),
  });
  editor.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}
