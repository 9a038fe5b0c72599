// Create Plan: writes the commented sample plan where the plan belongs, never over an existing one.
import * as vscode from 'vscode';
import type { PlanSource } from '../planSource';
import { ensureTrusted } from '../workspaceTrust';
import { currentBranch } from '../../core/git/baseBranch';
import { fileExists, writablePlanUri } from './planTarget';

export function registerCreatePlan(context: vscode.ExtensionContext, planSource: PlanSource): void {
  const sample = vscode.Uri.joinPath(context.extensionUri, 'resources', 'sample-plan.yaml');
  context.subscriptions.push(vscode.commands.registerCommand('baton.createPlan', () => createPlan(planSource, sample)));
}

/** Returns the plan's uri (new or existing), undefined if nothing was written or opened. */
async function createPlan(planSource: PlanSource, sample: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (!ensureTrusted(vscode.l10n.t('create a plan'))) return undefined;
  const target = writablePlanUri(planSource);
  if (!target) return undefined;
  if (await fileExists(target)) {
    const file = vscode.workspace.asRelativePath(target, false);
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} already exists: Baton opened it and left it as it was.', file));
  } else {
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(await samplePlanFor(target, sample)));
    await planSource.reload();
  }
  await vscode.window.showTextDocument(target);
  return target;
}

/** The sample plan with `base` set to the branch checked out here (a repository may use master, trunk…). */
async function samplePlanFor(target: vscode.Uri, sample: vscode.Uri): Promise<string> {
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(sample));
  const folder = vscode.workspace.getWorkspaceFolder(target);
  const branch = folder?.uri.scheme === 'file' ? await currentBranch(folder.uri.fsPath) : undefined;
  if (!branch || branch === 'main' || !/^[\w./-]+$/.test(branch)) return text;
  // Keep the comment where it was: pad (or trim) to the width "main" had.
  return text.replace(/^base: main( *)/m, (_, pad: string) => `base: ${branch}${' '.repeat(Math.max(1, pad.length + 4 - branch.length))}`);
}
