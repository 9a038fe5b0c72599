// Show Plan Analysis: a read-only Markdown document (`baton-analysis:`), opened as a preview, that
// follows the plan as it changes.
import * as vscode from 'vscode';
import type { PlanSource } from '../planSource';
import { analysisMarkdown } from '../analysisReport';

export const ANALYSIS_URI = vscode.Uri.from({ scheme: 'baton-analysis', path: '/Plan Analysis.md' });

export function registerShowAnalysis(context: vscode.ExtensionContext, planSource: PlanSource): void {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: () => {
      const snapshot = planSource.current;
      if (!snapshot) return '# Plan analysis\n\nThere is no plan in this folder yet: run "Baton: Create Plan".\n';
      return analysisMarkdown(snapshot.plan, snapshot.analysis, snapshot.diagnostics, snapshot.file);
    },
  };
  context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(ANALYSIS_URI.scheme, provider),
    planSource.onDidChange(() => changed.fire(ANALYSIS_URI)),
    vscode.commands.registerCommand('baton.showAnalysis', () => showAnalysis()),
  );
}

/** Returns the analysis document's uri: read it with workspace.openTextDocument. */
async function showAnalysis(): Promise<vscode.Uri> {
  try {
    await vscode.commands.executeCommand('markdown.showPreview', ANALYSIS_URI);
  } catch {
    // The built-in Markdown extension can be disabled: the Markdown text reads well enough.
    await vscode.window.showTextDocument(ANALYSIS_URI, { preview: true });
  }
  return ANALYSIS_URI;
}
