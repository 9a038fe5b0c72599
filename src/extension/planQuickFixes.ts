// Quick fixes (the light bulb) for the plan's own problems: "Did you mean …?" for an unknown dependency,
// removing a dependency that closes a cycle or points nowhere, and a free id for a duplicate.
import * as vscode from 'vscode';
import { listItemRemoval } from '../core/plan/edit';
import { closestIds } from '../core/plan/validate';
import type { PlanSource } from './planSource';

const FIXABLE = new Set(['unknown-dependency', 'self-dependency', 'cycle', 'duplicate-id']);

class PlanQuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly planSource: PlanSource) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const snapshot = this.planSource.current;
    if (!snapshot || snapshot.uri.toString() !== document.uri.toString() || snapshot.plan.format !== 'yaml') return [];
    const ids = snapshot.plan.tasks.map((t) => t.id);
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== 'Baton' || !FIXABLE.has(String(diagnostic.code))) continue;
      const written = unquote(document.getText(diagnostic.range));
      switch (diagnostic.code) {
        case 'unknown-dependency':
          closestIds(written, ids).forEach((id, i) => {
            const action = fix(vscode.l10n.t('Did you mean "{0}"? Change the dependency to "{0}"', id), diagnostic);
            action.edit!.replace(document.uri, diagnostic.range, id);
            action.isPreferred = i === 0;
            actions.push(action);
          });
          actions.push(removeDependency(document, diagnostic, vscode.l10n.t('Remove the dependency "{0}"', written)));
          break;
        case 'self-dependency':
          actions.push(removeDependency(document, diagnostic, vscode.l10n.t('Remove the dependency on itself ("{0}")', written), true));
          break;
        case 'cycle': {
          const owner = snapshot.diagnostics.find((d) => d.code === 'cycle' && d.span.start.line === diagnostic.range.start.line + 1)?.tasks?.[0];
          const title = owner
            ? vscode.l10n.t('Remove the dependency of "{0}" on "{1}" to break the cycle', owner, written)
            : vscode.l10n.t('Remove the dependency on "{0}" to break the cycle', written);
          actions.push(removeDependency(document, diagnostic, title, true));
          break;
        }
        case 'duplicate-id': {
          const action = renameDuplicate(document, diagnostic, new Set(ids));
          if (action) actions.push(action);
          break;
        }
      }
    }
    return actions;
  }
}

export function registerPlanQuickFixes(context: vscode.ExtensionContext, planSource: PlanSource): void {
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(
      [{ language: 'yaml' }, { pattern: '**/*.{yaml,yml}' }],
      new PlanQuickFixes(planSource),
      { providedCodeActionKinds: PlanQuickFixes.kinds },
    ),
  );
}

function fix(title: string, diagnostic: vscode.Diagnostic): vscode.CodeAction {
  const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  action.diagnostics = [diagnostic];
  action.edit = new vscode.WorkspaceEdit();
  return action;
}

function removeDependency(document: vscode.TextDocument, diagnostic: vscode.Diagnostic, title: string, preferred = false): vscode.CodeAction {
  const action = fix(title, diagnostic);
  const cut = listItemRemoval(document.getText(), document.offsetAt(diagnostic.range.start), document.offsetAt(diagnostic.range.end));
  action.edit!.delete(document.uri, new vscode.Range(document.positionAt(cut.start), document.positionAt(cut.end)));
  action.isPreferred = preferred;
  return action;
}

/** The duplicate's `id:` value (the diagnostic covers its whole entry) gets the first free `<id>-2`, `-3`, … */
function renameDuplicate(document: vscode.TextDocument, diagnostic: vscode.Diagnostic, taken: ReadonlySet<string>): vscode.CodeAction | undefined {
  const start = document.offsetAt(diagnostic.range.start);
  const text = document.getText(diagnostic.range);
  const match = /(\bid\s*:\s*)(["']?)([a-z0-9][a-z0-9._-]*)\2/.exec(text);
  if (!match) return undefined;
  const id = match[3];
  let n = 2;
  while (taken.has(`${id}-${n}`)) n++;
  const fresh = `${id}-${n}`;
  const action = fix(vscode.l10n.t('Rename this task to "{0}" (another task is "{1}")', fresh, id), diagnostic);
  const at = start + match.index + match[1].length + match[2].length;
  action.edit!.replace(document.uri, new vscode.Range(document.positionAt(at), document.positionAt(at + id.length)), fresh);
  action.isPreferred = true;
  return action;
}

function unquote(text: string): string {
  return text.replace(/^(["'])(.*)\1$/, '$2');
}
