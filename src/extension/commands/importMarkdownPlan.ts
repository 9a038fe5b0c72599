// Import Markdown Plan: reads a plan in the Markdown "Phases" format and writes it as the YAML plan.
import * as vscode from 'vscode';
import { parseMarkdownPlan } from '../../core/plan/markdown';
import { planToYaml } from '../../core/plan/serialize';
import type { PlanDiagnostics } from '../diagnostics';
import type { PlanSource } from '../planSource';
import { ensureTrusted } from '../workspaceTrust';
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
  if (!ensureTrusted(vscode.l10n.t('import a plan'))) return undefined;
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
    const show = vscode.l10n.t('Show Problems');
    void vscode.window
      .showErrorMessage(
        errors === 1
          ? vscode.l10n.t('{0} has 1 error; nothing was imported. Fix it and import again.', name)
          : vscode.l10n.t('{0} has {1} errors; nothing was imported. Fix them and import again.', name, errors),
        show,
      )
      .then((choice) => choice === show && vscode.commands.executeCommand('workbench.actions.view.problems'));
    return undefined;
  }

  const targetName = vscode.workspace.asRelativePath(target, false);
  const tasks = plan.tasks.length === 1 ? vscode.l10n.t('1 task') : vscode.l10n.t('{0} tasks', plan.tasks.length);
  if (await fileExists(target)) {
    const replace = vscode.l10n.t('Replace');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('{0} already exists. Replace it with the {1} from {2}?', targetName, tasks, name),
      { modal: true, detail: vscode.l10n.t('Its tasks are replaced by the imported ones.') },
      replace,
    );
    if (answer !== replace) return undefined;
  }
  await writePlan(target, planToYaml(plan, `Imported from ${name} by Baton.`));
  await planSource.reload();
  await vscode.window.showTextDocument(target);
  const warnings = problems.length === 1 ? vscode.l10n.t('1 warning') : vscode.l10n.t('{0} warnings', problems.length);
  void vscode.window.showInformationMessage(
    problems.length > 0
      ? vscode.l10n.t('Imported {0} from {1} into {2} ({3} — see Problems).', tasks, name, targetName, warnings)
      : vscode.l10n.t('Imported {0} from {1} into {2}.', tasks, name, targetName),
  );
  return target;
}

async function pickMarkdownFile(target: vscode.Uri): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Import Markdown Plan'),
    openLabel: vscode.l10n.t('Import'),
    canSelectMany: false,
    defaultUri: vscode.Uri.joinPath(target, '..'),
    filters: { [vscode.l10n.t('Markdown plans')]: ['md', 'markdown'] },
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
    throw new Error(vscode.l10n.t('Baton could not write {0}.', vscode.workspace.asRelativePath(target, false)));
  }
}
