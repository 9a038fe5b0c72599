// Validate Plan: parse the plan again now and say in one line whether it is valid.
import * as vscode from 'vscode';
import type { PlanSource } from '../planSource';
import { count } from '../wording';
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
    const where = planSource.planUri ? vscode.workspace.asRelativePath(planSource.planUri, false) : 'this window';
    offerToCreatePlan(`There is no plan to validate (looked for ${where}).`);
    return undefined;
  }
  const errors = snapshot.diagnostics.filter((d) => d.severity === 'error').length;
  const summary = { tasks: snapshot.plan.tasks.length, errors, warnings: snapshot.diagnostics.length - errors };
  // Not awaited: the command finishes when the plan is checked, not when the message is dismissed.
  if (errors > 0) {
    void vscode.window
      .showErrorMessage(`${count(errors, 'error')} in ${snapshot.file} — see Problems.`, 'Show Problems')
      .then((choice) => choice && vscode.commands.executeCommand('workbench.actions.view.problems'));
  } else {
    const warnings = summary.warnings > 0 ? ` (${count(summary.warnings, 'warning')} — see Problems)` : '';
    void vscode.window.showInformationMessage(`Plan is valid: ${count(summary.tasks, 'task')}${warnings}.`);
  }
  return summary;
}
