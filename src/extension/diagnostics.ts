// Plan problems in the Problems panel, at the line and column the parser found them.
import * as vscode from 'vscode';
import type { PlanDiagnostic } from '../core/plan/model';
import type { PlanSource } from './planSource';
import { spanToRange } from './spans';

export class PlanDiagnostics {
  private planUri: vscode.Uri | undefined;

  constructor(private readonly collection: vscode.DiagnosticCollection) {}

  /** The current plan's problems; the previous plan file (if the setting moved it) is cleared. */
  showPlan(uri: vscode.Uri | undefined, diagnostics: readonly PlanDiagnostic[]): void {
    if (this.planUri && this.planUri.toString() !== uri?.toString()) this.collection.delete(this.planUri);
    this.planUri = uri;
    if (uri) this.show(uri, diagnostics);
  }

  /** Problems of another file, e.g. a Markdown plan that Import could not read. */
  show(uri: vscode.Uri, diagnostics: readonly PlanDiagnostic[]): void {
    this.collection.set(uri, diagnostics.map(toDiagnostic));
  }
}

export function registerDiagnostics(context: vscode.ExtensionContext, planSource: PlanSource): PlanDiagnostics {
  const collection = vscode.languages.createDiagnosticCollection('baton');
  const diagnostics = new PlanDiagnostics(collection);
  context.subscriptions.push(
    collection,
    planSource.onDidChange((snapshot) => diagnostics.showPlan(snapshot?.uri, snapshot?.diagnostics ?? [])),
  );
  return diagnostics;
}

function toDiagnostic(d: PlanDiagnostic): vscode.Diagnostic {
  const severity = d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
  const diagnostic = new vscode.Diagnostic(spanToRange(d.span), d.message, severity);
  diagnostic.code = d.code;
  diagnostic.source = 'Baton';
  return diagnostic;
}
