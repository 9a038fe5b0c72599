// Plan problems in the Problems panel, at the line and column the parser found them; file conflicts as
// warnings at the `files` entries concerned (conflictFixes.ts offers their quick fix).
import * as vscode from 'vscode';
import { conflictWarnings, type ConflictWarning, type DependencyFix } from '../core/graph/conflicts';
import type { PlanDiagnostic } from '../core/plan/model';
import type { PlanSource } from './planSource';
import { spanToRange } from './spans';

export class PlanDiagnostics {
  private planUri: vscode.Uri | undefined;
  /** The dependency each conflict warning suggests, by where and what it says (diagnostics come back as copies). */
  private fixes = new Map<string, DependencyFix>();

  constructor(private readonly collection: vscode.DiagnosticCollection) {}

  /** The current plan's problems; the previous plan file (if the setting moved it) is cleared. */
  showPlan(uri: vscode.Uri | undefined, diagnostics: readonly PlanDiagnostic[]): void {
    if (this.planUri && this.planUri.toString() !== uri?.toString()) this.collection.delete(this.planUri);
    this.planUri = uri;
    if (uri) this.show(uri, diagnostics);
  }

  /** The dependency a shown `file-conflict` warning suggests, if any. */
  conflictFix(d: vscode.Diagnostic): DependencyFix | undefined {
    return this.fixes.get(fixKey(d));
  }

  /** Problems of another file, e.g. a Markdown plan that Import could not read. */
  show(uri: vscode.Uri, diagnostics: readonly PlanDiagnostic[]): void {
    if (uri.toString() === this.planUri?.toString()) this.fixes.clear();
    this.collection.set(
      uri,
      diagnostics.map((d) => {
        const shown = toDiagnostic(d);
        const fix = (d as ConflictWarning).fix;
        if (fix) this.fixes.set(fixKey(shown), fix);
        return shown;
      }),
    );
  }
}

export function registerDiagnostics(context: vscode.ExtensionContext, planSource: PlanSource): PlanDiagnostics {
  const collection = vscode.languages.createDiagnosticCollection('baton');
  const diagnostics = new PlanDiagnostics(collection);
  context.subscriptions.push(
    collection,
    planSource.onDidChange((snapshot) =>
      diagnostics.showPlan(snapshot?.uri, snapshot ? [...snapshot.diagnostics, ...conflictWarnings(snapshot.plan, snapshot.analysis?.conflicts ?? [])] : []),
    ),
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

function fixKey(d: vscode.Diagnostic): string {
  return `${d.range.start.line}:${d.range.start.character}:${d.message}`;
}
