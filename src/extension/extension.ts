// Entry point: creates each feature in turn. Everything reads the plan through one PlanSource.
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { PlanSource } from './planSource';
import { registerDiagnostics } from './diagnostics';
import { registerConflictFixes } from './conflictFixes';
import { registerTasksTree, type TasksNode } from './tasksTree';
import { registerWorkersTree, type WorkersViewNode } from './workersTree';
import { registerRequests, type Requests } from './requests';
import { Workers } from './workers';
import { registerWorkerActions } from './commands/workerActions';
import { registerApproveTask } from './commands/approveTask';
import { registerStatusBar } from './statusBar';
import { registerOpenTask } from './commands/openTask';
import { registerCreatePlan } from './commands/createPlan';
import { registerAddTask } from './commands/addTask';
import { registerValidatePlan } from './commands/validatePlan';
import { registerShowAnalysis } from './commands/showAnalysis';
import { registerImportMarkdownPlan } from './commands/importMarkdownPlan';
import { registerCheckSetup } from './commands/checkSetup';
import { registerReviewActions } from './commands/reviewActions';
import { registerReviewComments } from './reviewComments';
import { registerPlanQuickFixes } from './planQuickFixes';
import { registerBaseBranchDiagnostics } from './baseBranchDiagnostics';
import { registerGraphPanel } from './graphPanel';
import { registerShowRunReport } from './commands/showRunReport';
import { registerArchiveOnCompletion } from './archiveOnCompletion';
import { registerPreReview } from './preReview';
import { registerAttach } from './attach';
import { registerTeam } from './team';

/** What activate() returns: other extensions and the host tests read Baton's state through it. */
export interface BatonApi {
  planSource: PlanSource;
  /** What the Tasks view shows, node by node. */
  tasksTree: vscode.TreeDataProvider<TasksNode>;
  workers: Workers;
  workersTree: vscode.TreeDataProvider<WorkersViewNode>;
  requests: Requests;
}

export async function activate(context: vscode.ExtensionContext): Promise<BatonApi> {
  try {
    // The vscode-free modules (the analysis and setup reports) speak through @vscode/l10n: the same bundle.
    if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
    const log = vscode.window.createOutputChannel('Baton', { log: true });
    context.subscriptions.push(log);
    const planSource = new PlanSource(log);
    context.subscriptions.push(planSource);
    const workers = new Workers(context, planSource, log);
    context.subscriptions.push(workers);
    const diagnostics = registerDiagnostics(context, planSource);
    registerConflictFixes(context, planSource, diagnostics);
    const tasksTree = registerTasksTree(context, planSource, workers);
    const requests = registerRequests(context, workers, planSource);
    const workersTree = registerWorkersTree(context, workers, planSource, requests);
    registerStatusBar(context, planSource, workers);
    registerWorkerActions(context, workers, planSource);
    const refreshReview = registerReviewActions(context, workers, planSource);
    registerPreReview(context, workers, planSource, log, refreshReview);
    registerAttach(context, workers, planSource);
    registerApproveTask(context, workers, planSource);
    registerReviewComments(context, workers, planSource);
    registerOpenTask(context, planSource);
    registerCreatePlan(context, planSource);
    registerAddTask(context, planSource);
    registerValidatePlan(context, planSource);
    registerShowAnalysis(context, planSource);
    registerImportMarkdownPlan(context, planSource, diagnostics);
    registerCheckSetup(context, planSource);
    registerPlanQuickFixes(context, planSource);
    registerBaseBranchDiagnostics(context, planSource);
    registerGraphPanel(context, planSource, workers, tasksTree, log);
    registerShowRunReport(context, planSource, workers);
    registerArchiveOnCompletion(context, planSource, workers, log);
    registerTeam(context, planSource, workers, log);
    await planSource.start();
    await workers.start();
    requests.refresh();
    return { planSource, tasksTree, workers, workersTree, requests };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(vscode.l10n.t('Baton failed to start: {0}', message));
    throw err;
  }
}

export function deactivate(): void {}
