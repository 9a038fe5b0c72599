// Where the commands that write a plan (Create Plan, Import Markdown Plan) write it, and what the
// commands that need a plan say when there is none.
import * as vscode from 'vscode';
import type { PlanSource } from '../planSource';

/** The configured plan file if Baton can write it (a YAML file in an open folder); otherwise says why not. */
export function writablePlanUri(planSource: PlanSource): vscode.Uri | undefined {
  const uri = planSource.planUri;
  if (!uri) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Open a folder first: Baton keeps the plan in the workspace folder.'));
    return undefined;
  }
  if (!/\.ya?ml$/i.test(uri.path)) {
    const file = vscode.workspace.asRelativePath(uri, false);
    void vscode.window.showErrorMessage(
      vscode.l10n.t('The baton.planFile setting names {0}, which Baton reads as a Markdown plan and does not write. Point the setting at a .yaml file to create or import one.', file),
    );
    return undefined;
  }
  return uri;
}

export async function fileExists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Says that there is no plan (`message`) and offers to create one. */
export function offerToCreatePlan(message: string): void {
  const create = vscode.l10n.t('Create Plan');
  void vscode.window
    .showWarningMessage(message, create)
    .then((choice) => choice === create && vscode.commands.executeCommand('baton.createPlan'));
}
