// Show Plan Analysis: a read-only Markdown document (`baton-analysis:`), opened as a preview, that
// follows the plan as it changes.
import * as vscode from 'vscode';
import type { PlanSource } from '../planSource';
import { analysisMarkdown } from '../analysisReport';
import { maxWorkersSetting } from '../userSettings';

export const ANALYSIS_URI = vscode.Uri.from({ scheme: 'baton-analysis', path: '/Plan Analysis.md' });

export function registerShowAnalysis(context: vscode.ExtensionContext, planSource: PlanSource): void {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: () => {
      const snapshot = planSource.current;
      if (!snapshot) return `# ${vscode.l10n.t('Plan analysis')}\n\n${vscode.l10n.t('There is no plan in this folder yet: run "Baton: Create Plan".')}\n`;
      const workers = maxWorkersSetting(vscode.workspace.getConfiguration('baton')) ?? snapshot.plan.defaults.maxWorkers;
      return analysisMarkdown(snapshot.plan, snapshot.analysis, snapshot.diagnostics, snapshot.file, workers);
    },
  };
  let previewShown = false;
  const follow = () => {
    const open = vscode.workspace.textDocuments.some((d) => d.uri.toString() === ANALYSIS_URI.toString());
    changed.fire(ANALYSIS_URI);
    // VS Code drops a virtual document nobody edits after a few minutes; reopened, it starts again at
    // version 1, which the Markdown preview takes for the version it already shows. Force it to re-read.
    if (previewShown && !open) void vscode.commands.executeCommand('markdown.preview.refresh').then(undefined, () => undefined);
  };
  context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(ANALYSIS_URI.scheme, provider),
    planSource.onDidChange(follow),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('baton.maxWorkers') && follow()),
    vscode.commands.registerCommand('baton.showAnalysis', async () => {
      const uri = await showAnalysis();
      previewShown = true;
      return uri;
    }),
  );
}

/** Returns the analysis document's uri: read it with workspace.openTextDocument. */
async function showAnalysis(): Promise<vscode.Uri> {
  try {
    await vscode.commands.executeCommand('markdown.showPreview', ANALYSIS_URI);
    // An existing preview is only revealed: make it read the plan as it is now.
    await vscode.commands.executeCommand('markdown.preview.refresh');
  } catch {
    // The built-in Markdown extension can be disabled: the Markdown text reads well enough.
    await vscode.window.showTextDocument(ANALYSIS_URI, { preview: true });
  }
  return ANALYSIS_URI;
}
