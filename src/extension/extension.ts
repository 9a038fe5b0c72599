// Entry point: creates each feature in turn. Everything reads the plan through one PlanSource.
import * as vscode from 'vscode';
import { PlanSource } from './planSource';
import { registerDiagnostics } from './diagnostics';
import { registerTasksTree, type TasksNode } from './tasksTree';
import { registerWorkersView } from './workersTree';
import { registerStatusBar } from './statusBar';
import { registerOpenTask } from './commands/openTask';
import { registerCreatePlan } from './commands/createPlan';
import { registerAddTask } from './commands/addTask';
import { registerValidatePlan } from './commands/validatePlan';
import { registerShowAnalysis } from './commands/showAnalysis';
import { registerImportMarkdownPlan } from './commands/importMarkdownPlan';

/** What activate() returns: other extensions and the host tests read Baton's state through it. */
export interface BatonApi {
  planSource: PlanSource;
  /** What the Tasks view shows, node by node. */
  tasksTree: vscode.TreeDataProvider<TasksNode>;
}

export async function activate(context: vscode.ExtensionContext): Promise<BatonApi> {
  try {
    const log = vscode.window.createOutputChannel('Baton', { log: true });
    context.subscriptions.push(log);
    const planSource = new PlanSource(log);
    context.subscriptions.push(planSource);
    const diagnostics = registerDiagnostics(context, planSource);
    const tasksTree = registerTasksTree(context, planSource);
    registerWorkersView(context);
    registerStatusBar(context, planSource);
    registerOpenTask(context, planSource);
    registerCreatePlan(context, planSource);
    registerAddTask(context, planSource);
    registerValidatePlan(context, planSource);
    registerShowAnalysis(context, planSource);
    registerImportMarkdownPlan(context, planSource, diagnostics);
    await planSource.start();
    return { planSource, tasksTree };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`Baton failed to start: ${message}`);
    throw err;
  }
}

export function deactivate(): void {}
