// Create Plan: writes the commented sample plan where the plan belongs, never over an existing one.
import * as vscode from 'vscode';
import type { PlanSource } from '../planSource';
import { ensureTrusted } from '../workspaceTrust';
import { fileExists, writablePlanUri } from './planTarget';

export function registerCreatePlan(context: vscode.ExtensionContext, planSource: PlanSource): void {
  const sample = vscode.Uri.joinPath(context.extensionUri, 'resources', 'sample-plan.yaml');
  context.subscriptions.push(vscode.commands.registerCommand('baton.createPlan', () => createPlan(planSource, sample)));
}

/** Returns the plan's uri (new or existing), undefined if nothing was written or opened. */
async function createPlan(planSource: PlanSource, sample: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (!ensureTrusted('create a plan')) return undefined;
  const target = writablePlanUri(planSource);
  if (!target) return undefined;
  if (await fileExists(target)) {
    const file = vscode.workspace.asRelativePath(target, false);
    void vscode.window.showInformationMessage(`${file} already exists: Baton opened it and left it as it was.`);
  } else {
    await vscode.workspace.fs.writeFile(target, await vscode.workspace.fs.readFile(sample));
    await planSource.reload();
  }
  await vscode.window.showTextDocument(target);
  return target;
}
