// AI pre-review in VS Code (core: run/preReview.ts). With `baton.preReview` on, a task whose worker
// finishes (its state turns to review) gets a read-only reviewer's risk summary in its result.json, and an
// open review summary shows it; "Run AI Pre-Review" asks for one on demand. Never an approval.
import * as vscode from 'vscode';
import { findProfile, type AgentProfile } from '../core/agents/profiles';
import { LAUNCH_ENV } from '../core/run/launches';
import { runPreReview } from '../core/run/preReview';
import type { TaskState } from '../core/run/states';
import { personEnvironment } from '../core/run/workerEnv';
import type { PlanSource } from './planSource';
import type { Workers } from './workers';
import type { TaskNode } from './tasksTree';
import type { WorkerNode } from './workersTree';

/** Variables of a worker that a reviewer must not carry: it is not the task's worker and reports nothing as it. */
const WORKER_VARIABLES = ['BATON_TASK_ID', 'BATON_ROOT', 'BATON_BASE', LAUNCH_ENV];

export function registerPreReview(
  context: vscode.ExtensionContext,
  workers: Workers,
  planSource: PlanSource,
  log: vscode.LogOutputChannel,
  /** Re-renders the review summary of a task if it is open. */
  refreshSummary: (taskId: string) => Promise<void>,
): void {
  const running = new Set<string>();
  const seen = new Map<string, TaskState>();

  async function preReview(taskId: string, asked: boolean): Promise<'done' | 'failed' | 'already' | undefined> {
    const plan = planSource.current?.plan;
    const task = plan?.tasks.find((t) => t.id === taskId);
    const layout = workers.runLayout;
    if (!plan || !task || !layout || running.has(taskId)) return undefined;
    if (!vscode.workspace.isTrusted) return undefined;
    let command: string;
    try {
      const custom = vscode.workspace.getConfiguration('baton').get<Record<string, Partial<AgentProfile>>>('agents', {});
      command = findProfile('claude', custom).command;
    } catch (e) {
      log.warn(`AI pre-review of ${taskId}: ${(e as Error).message}`);
      return undefined;
    }
    const env: NodeJS.ProcessEnv = personEnvironment(process.env);
    for (const key of WORKER_VARIABLES) delete env[key];
    running.add(taskId);
    log.info(`AI pre-review of ${taskId}: started`);
    try {
      const outcome = await (asked
        ? vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('AI pre-review of {0}', taskId) }, () => runPreReview({ layout, plan, task, command, env, retryFailed: true }))
        : runPreReview({ layout, plan, task, command, env }));
      if (!outcome) return 'already';
      log.info(`AI pre-review of ${taskId}: ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}`);
      await refreshSummary(taskId);
      workers.refresh();
      return outcome.status === 'running' ? undefined : outcome.status;
    } finally {
      running.delete(taskId);
    }
  }

  const enabled = () => vscode.workspace.getConfiguration('baton').get<boolean>('preReview', false);
  // Every task in review: runPreReview itself skips a head commit that already has its pre-review.
  const sweep = () => {
    if (!enabled()) return;
    for (const [id, record] of workers.records) if (record.view.state === 'review') void preReview(id, false);
  };

  context.subscriptions.push(
    // A worker that just finished its turn, or a task this window first sees in review (one that finished
    // while no window was open).
    workers.onDidChange(() => {
      const on = enabled();
      for (const [id, record] of workers.records) {
        const before = seen.get(id);
        const now = record.view.state;
        seen.set(id, now);
        if (on && before !== now && now === 'review') void preReview(id, false);
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('baton.preReview')) sweep();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(sweep),
    vscode.commands.registerCommand('baton.preReviewTask', async (target?: TaskNode | WorkerNode | string) => {
      const id =
        typeof target === 'string'
          ? target
          : target?.kind === 'task'
            ? target.task.id
            : target?.kind === 'worker'
              ? target.taskId
              : await pickInReview(workers, planSource);
      if (!id) return undefined;
      const result = await preReview(id, true);
      if (result === 'already') void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" already has an AI pre-review of its current commit (or one is under way): Review Task shows it.', id));
      if (result === 'failed') void vscode.window.showWarningMessage(vscode.l10n.t('The AI pre-review of "{0}" failed; Review Task shows why.', id));
      if (result === 'done') {
        const review = vscode.l10n.t('Review Task');
        void vscode.window.showInformationMessage(vscode.l10n.t('AI pre-review of "{0}" written.', id), review).then((c) => c === review && vscode.commands.executeCommand('baton.reviewTask', id));
      }
      return result;
    }),
  );
}

async function pickInReview(workers: Workers, planSource: PlanSource): Promise<string | undefined> {
  const snapshot = planSource.current;
  if (!snapshot) return undefined;
  const states = workers.taskStates(snapshot);
  const tasks = snapshot.plan.tasks.filter((t) => states.get(t.id) === 'review');
  if (!tasks.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No task is in review: a pre-review reads the work of a worker that has finished.'));
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(
    tasks.map((t) => ({ label: t.title || t.id, description: t.id, id: t.id })),
    { title: vscode.l10n.t('AI pre-review of which task?'), matchOnDescription: true },
  );
  return chosen?.id;
}
