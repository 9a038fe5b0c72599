// Entry point: creates each feature in turn. Everything reads the plan through one PlanSource.
import * as vscode from 'vscode';
import { PlanSource } from './planSource';
import { registerDiagnostics } from './diagnostics';
import { registerTasksTree, type TasksNode } from './tasksTree';
import { registerWorkersTree, type WorkerNode } from './workersTree';
import { Workers } from './workers';
import { registerWorkerActions } from './commands/workerActions';
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
  workers: Workers;
  workersTree: vscode.TreeDataProvider<WorkerNode>;
}

export async function activate(context: vscode.ExtensionContext): Promise<BatonApi> {
  try {
    const log = vscode.window.createOutputChannel('Baton', { log: true });
    context.subscriptions.push(log);
    const planSource = new PlanSource(log);
    context.subscriptions.push(planSource);
    const workers = new Workers(context, planSource, log);
    context.subscriptions.push(workers);
    const diagnostics = registerDiagnostics(context, planSource);
    const tasksTree = registerTasksTree(context, planSource, workers);
    const workersTree = registerWorkersTree(context, workers, planSource);
    registerStatusBar(context, planSource, workers);
    registerWorkerActions(context, workers, planSource);
    registerOpenTask(context, planSource);
    registerCreatePlan(context, planSource);
    registerAddTask(context, planSource);
    registerValidatePlan(context, planSource);
    registerShowAnalysis(context, planSource);
    registerImportMarkdownPlan(context, planSource, diagnostics);
    await planSource.start();
    await workers.start();
    return { planSource, tasksTree, workers, workersTree };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`Baton failed to start: ${message}`);
    throw err;
  }
}

export function deactivate(): void {}
