// A warning at the plan's `base:` when the repository has no such branch: without it, every Start Worker
// would fail. Needs git, so it runs here (and in `baton validate`), apart from parsing.
import * as vscode from 'vscode';
import { checkBaseBranch } from '../core/git/baseBranch';
import type { PlanSource } from './planSource';
import { spanToRange } from './spans';

export function registerBaseBranchDiagnostics(context: vscode.ExtensionContext, planSource: PlanSource): void {
  const collection = vscode.languages.createDiagnosticCollection('baton-base');
  let shown: vscode.Uri | undefined;
  let generation = 0;
  const update = async () => {
    const mine = ++generation;
    const snapshot = planSource.current;
    const problem = snapshot && snapshot.uri.scheme === 'file' && snapshot.plan.format === 'yaml' ? await checkBaseBranch(snapshot.uri.fsPath, snapshot.plan, snapshot.text) : undefined;
    if (mine !== generation) return; // a newer plan is being checked
    if (shown) collection.delete(shown);
    shown = undefined;
    if (!snapshot || !problem) return;
    const diagnostic = new vscode.Diagnostic(spanToRange(problem.span), problem.message, vscode.DiagnosticSeverity.Warning);
    diagnostic.code = problem.code;
    diagnostic.source = 'Baton';
    collection.set(snapshot.uri, [diagnostic]);
    shown = snapshot.uri;
  };
  context.subscriptions.push(collection, planSource.onDidChange(() => void update()));
  void update();
}
