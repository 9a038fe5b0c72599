// Validate Plan: parse the plan again now and say in one line whether it is valid.
import * as vscode from 'vscode';
import type { PlanSource } from '../planSource';
import { offerToCreatePlan } from './planTarget';

export interface ValidationSummary {
  tasks: number;
  errors: number;
  warnings: number;
}

export function registerValidatePlan(context: vscode.ExtensionContext, planSource: PlanSource): void {
  context.subscriptions.push(vscode.commands.registerCommand('baton.validatePlan', () => validatePlan(planSource)));
}

async function validatePlan(planSource: PlanSource): Promise<ValidationSummary | undefined> {
  const snapshot = await planSource.reload();
  if (!snapshot) {
    offerToCreatePlan(
      planSource.planUri
        ? vscode.l10n.t('There is no plan to validate (looked for {0}).', vscode.workspace.asRelativePath(planSource.planUri, false))
        : vscode.l10n.t('There is no plan to validate (looked for this window).'),
    );
    return undefined;
  }
  const errors = snapshot.diagnostics.filter((d) => d.severity === 'error').length;
  const summary = { tasks: snapshot.plan.tasks.length, errors, warnings: snapshot.diagnostics.length - errors };
  // Not awaited: the command finishes when the plan is checked, not when the message is dismissed.
  if (errors > 0) {
    const show = vscode.l10n.t('Show Problems');
    void vscode.window
      .showErrorMessage(
        errors === 1 ? vscode.l10n.t('1 error in {0} — see Problems.', snapshot.file) : vscode.l10n.t('{0} errors in {1} — see Problems.', errors, snapshot.file),
        show,
      )
      .then((choice) => choice === show && vscode.commands.executeCommand('workbench.actions.view.problems'));
  } else {
    const tasks = summary.tasks === 1 ? vscode.l10n.t('1 task') : vscode.l10n.t('{0} tasks', summary.tasks);
    const warnings = summary.warnings === 1 ? vscode.l10n.t('1 warning') : vscode.l10n.t('{0} warnings', summary.warnings);
    void vscode.window.showInformationMessage(
      summary.warnings > 0 ? vscode.l10n.t('Plan is valid: {0} ({1} — see Problems).', tasks, warnings) : vscode.l10n.t('Plan is valid: {0}.', tasks),
    );
  }
  return summary;
}
