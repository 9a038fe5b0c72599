// Import Markdown Plan: reads a plan in the Markdown "Phases" format and writes it as the YAML plan.
import * as vscode from 'vscode';
import { parseMarkdownPlan } from '../../core/plan/markdown';
import { planToYaml } from '../../core/plan/serialize';
import type { PlanDiagnostics } from '../diagnostics';
import type { PlanSource } from '../planSource';
import { ensureTrusted } from '../workspaceTrust';
import { count } from '../wording';
import { fileExists, writablePlanUri } from './planTarget';

export function registerImportMarkdownPlan(
  context: vscode.ExtensionContext,
  planSource: PlanSource,
  diagnostics: PlanDiagnostics,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('baton.importMarkdownPlan', (source?: vscode.Uri) =>
      importMarkdownPlan(planSource, diagnostics, source),
    ),
  );
}

/** `source` skips the file picker. Returns the written plan's uri, undefined if nothing was written. */
async function importMarkdownPlan(
  planSource: PlanSource,
  diagnostics: PlanDiagnostics,
  source?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  if (!ensureTrusted('import a plan')) return undefined;
  const target = writablePlanUri(planSource);
  if (!target) return undefined;
  source ??= await pickMarkdownFile(target);
  if (!source) return undefined;

  const name = vscode.workspace.asRelativePath(source, false);
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(source));
  const { plan, diagnostics: problems } = parseMarkdownPlan(text, name);
  // The Markdown file's problems go to the Problems panel, where they can be clicked.
  diagnostics.show(source, problems);
  const errors = problems.filter((d) => d.severity === 'error').length;
  if (errors > 0) {
    void vscode.window
      .showErrorMessage(`${name} has ${count(errors, 'error')}; nothing was imported. Fix them and import again.`, 'Show Problems')
      .then((choice) => choice && vscode.commands.executeCommand('workbench.actions.view.problems'));
    return undefined;
  }

  const targetName = vscode.workspace.asRelativePath(target, false);
  if (await fileExists(target)) {
    const replace = await vscode.window.showWarningMessage(
      `${targetName} already exists. Replace it with the ${count(plan.tasks.length, 'task')} from ${name}?`,
      { modal: true, detail: 'Its tasks are replaced by the imported ones.' },
      'Replace',
    );
    if (replace !== 'Replace') return undefined;
  }
  await writePlan(target, planToYaml(plan, `Imported from ${name} by Baton.`));
  await planSource.reload();
  await vscode.window.showTextDocument(target);
  const warnings = problems.length > 0 ? ` (${count(problems.length, 'warning')} — see Problems)` : '';
  void vscode.window.showInformationMessage(`Imported ${count(plan.tasks.length, 'task')} from ${name} into ${targetName}${warnings}.`);
  return target;
}

async function pickMarkdownFile(target: vscode.Uri): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Import Markdown Plan',
    openLabel: 'Import',
    canSelectMany: false,
    defaultUri: vscode.Uri.joinPath(target, '..'),
    filters: { 'Markdown plans': ['md', 'markdown'] },
  });
  return picked?.[0];
}

/** An open plan is edited (and saved) rather than overwritten on disk, so its editor keeps Undo. */
async function writePlan(target: vscode.Uri, text: string): Promise<void> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
  if (!open) {
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    return;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(target, new vscode.Range(0, 0, open.lineCount, 0), text);
  if (!(await vscode.workspace.applyEdit(edit)) || !(await open.save())) {
    throw new Error(`Baton could not write ${vscode.workspace.asRelativePath(target, false)}.`);
  }
}
