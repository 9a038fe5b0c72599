// Quick fix for a file-conflict warning: add the suggested dependency to the plan, written in the file's
// own style (core/plan/edit.ts), as an ordinary undoable edit of the open document.
import * as vscode from 'vscode';
import { addDependency } from '../core/plan/edit';
import type { PlanDiagnostics } from './diagnostics';
import type { PlanSource } from './planSource';

class ConflictFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly planSource: PlanSource,
    private readonly diagnostics: PlanDiagnostics,
  ) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const snapshot = this.planSource.current;
    if (!snapshot || snapshot.uri.toString() !== document.uri.toString() || snapshot.plan.format !== 'yaml') return [];
    const actions: vscode.CodeAction[] = [];
    const done = new Set<string>();
    for (const d of context.diagnostics) {
      if (d.source !== 'Baton' || d.code !== 'file-conflict') continue;
      const fix = this.diagnostics.conflictFix(d);
      if (!fix || done.has(`${fix.task} ${fix.dependsOn}`)) continue;
      done.add(`${fix.task} ${fix.dependsOn}`);
      let change;
      try {
        change = addDependency(document.getText(), fix.task, fix.dependsOn);
      } catch {
        continue; // the text changed under the warning (e.g. mid-typing); the next parse brings a fresh one
      }
      if (!change) continue;
      const action = new vscode.CodeAction(vscode.l10n.t('Make "{0}" depend on "{1}"', fix.task, fix.dependsOn), vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      action.isPreferred = true;
      action.edit = new vscode.WorkspaceEdit();
      const range = new vscode.Range(document.positionAt(change.offset), document.positionAt(change.offset + change.length));
      action.edit.replace(document.uri, range, change.insert);
      actions.push(action);
    }
    return actions;
  }
}

export function registerConflictFixes(context: vscode.ExtensionContext, planSource: PlanSource, diagnostics: PlanDiagnostics): void {
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider([{ language: 'yaml' }, { pattern: '**/*.{yaml,yml}' }], new ConflictFixes(planSource, diagnostics), {
      providedCodeActionKinds: ConflictFixes.kinds,
    }),
  );
}
