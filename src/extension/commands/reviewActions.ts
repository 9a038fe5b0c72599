// Judging a task's work: Review Task (multi-file diff against the merge-base, and a summary), Run Gates,
// Request Changes, Discard Task. Each takes a tree node, a task id, or nothing (then asks with a picker).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { describeLossText, lossIsEmpty } from '../../core/git/worktrees';
import { discardTask, lossFor } from '../../core/run/discard';
import { appendEvent } from '../../core/run/events';
import { gatesPassed, runTaskGates } from '../../core/run/gates';
import { LaunchRefused } from '../../core/run/launch';
import { gatherReview, gateLine, reviewMarkdown } from '../../core/run/reviewSummary';
import { LIVE_STATES, type TaskState } from '../../core/run/states';
import type { PlanSource } from '../planSource';
import { baseUri, BASE_SCHEME, ReviewDocuments, REVIEW_SCHEME, reviewUri } from '../reviewDocuments';
import { stateLabel } from '../taskStateIcons';
import type { TaskNode } from '../tasksTree';
import type { Workers } from '../workers';
import type { WorkerNode } from '../workersTree';
import { ensureTrusted } from '../workspaceTrust';

type Target = TaskNode | WorkerNode | string | undefined;

/** A task has something to review once its worker has stopped writing and its worktree exists. */
const REVIEWABLE: ReadonlySet<TaskState> = new Set(['review', 'idle', 'waiting_input', 'worker_blocked', 'failed', 'stalled', 'cancelled', 'conflict']);

export function registerReviewActions(context: vscode.ExtensionContext, workers: Workers, planSource: PlanSource): void {
  const documents = new ReviewDocuments(workers);
  const gatesOutput = vscode.window.createOutputChannel('Baton Gates');
  const running = new Set<string>();
  context.subscriptions.push(
    documents,
    gatesOutput,
    vscode.workspace.registerTextDocumentContentProvider(BASE_SCHEME, documents),
    vscode.workspace.registerTextDocumentContentProvider(REVIEW_SCHEME, documents),
  );

  const states = () => (planSource.current ? workers.taskStates(planSource.current) : new Map<string, TaskState>());
  const hasWorktree = (id: string) => {
    const dir = workers.worktree(id);
    return dir !== undefined && existsSync(dir);
  };
  const pick = async (target: Target, title: string, allowed: (s: TaskState, id: string) => boolean): Promise<string | undefined> => {
    if (typeof target === 'string') return target;
    if (target?.kind === 'task') return target.task.id;
    if (target?.kind === 'worker') return target.taskId;
    const now = states();
    const tasks = (planSource.current?.plan.tasks ?? []).filter((t) => allowed(now.get(t.id) ?? 'blocked', t.id));
    if (tasks.length === 0) {
      void vscode.window.showInformationMessage('No task fits: a task can be reviewed once its worker has finished (see the Tasks view).');
      return undefined;
    }
    const chosen = await vscode.window.showQuickPick(
      tasks.map((t) => ({ label: t.title || t.id, description: t.id, detail: stateLabel(now.get(t.id) ?? 'blocked'), id: t.id })),
      { title, matchOnDescription: true },
    );
    return chosen?.id;
  };
  const taskOf = (id: string) => planSource.current?.plan.tasks.find((t) => t.id === id);

  async function openReview(id: string): Promise<{ files: number } | undefined> {
    const task = taskOf(id);
    const layout = workers.runLayout;
    const plan = planSource.current?.plan;
    if (!task || !layout || !plan) {
      void vscode.window.showWarningMessage(`There is no task "${id}" in the plan.`);
      return undefined;
    }
    let input;
    try {
      input = await gatherReview(layout, task, plan.base, states().get(id) ?? 'blocked');
    } catch (err) {
      void vscode.window.showWarningMessage((err as Error).message);
      return undefined;
    }
    appendEvent(layout.events(id), { type: 'review-opened', at: new Date().toISOString() });
    input.history = workers.history(id);
    documents.setSummary(id, reviewMarkdown(input));
    const worktree = layout.worktree(id);
    const { review } = input;
    if (review.files.length) {
      // One entry per file: [label, left = at the merge-base, right = the worktree file, editable in place];
      // no left for an added file, no right for a deleted one.
      const entries = review.files.map((f) => {
        const right = f.kind === 'deleted' ? undefined : vscode.Uri.file(join(worktree, f.path));
        const left = f.kind === 'added' ? undefined : baseUri(id, review.mergeBase, f.oldPath ?? f.path);
        return [vscode.Uri.file(join(worktree, f.path)), left, right];
      });
      await vscode.commands.executeCommand('vscode.changes', `Review: ${task.title || id}`, entries);
    } else {
      void vscode.window.showInformationMessage(`"${id}" has no changes against ${plan.base} yet.`);
    }
    try {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', reviewUri(id));
    } catch {
      // Without the built-in Markdown extension: the summary as text.
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(reviewUri(id)), { viewColumn: vscode.ViewColumn.Beside, preview: false });
    }
    workers.refresh();
    return { files: review.files.length };
  }

  context.subscriptions.push(
    vscode.commands.registerCommand('baton.reviewTask', async (target?: Target) => {
      const id = await pick(target, 'Review which task?', (s, t) => REVIEWABLE.has(s) && hasWorktree(t));
      return id ? openReview(id) : undefined;
    }),

    vscode.commands.registerCommand('baton.runGates', async (target?: Target) => {
      if (!ensureTrusted('run gates')) return undefined;
      const id = await pick(target, 'Run the gates of which task?', (s, t) => s !== 'approved' && hasWorktree(t));
      const task = id ? taskOf(id) : undefined;
      const layout = workers.runLayout;
      if (!id || !task || !layout) return undefined;
      if (task.gates.length === 0) {
        void vscode.window.showInformationMessage(`"${id}" has no gates: add \`gates:\` to the task or to the plan's defaults.`);
        return [];
      }
      if (running.has(id)) {
        void vscode.window.showInformationMessage(`The gates of "${id}" are already running (see the Baton Gates output).`);
        return undefined;
      }
      running.add(id);
      gatesOutput.show(true);
      gatesOutput.appendLine(`── ${id}: ${task.gates.length} gate${task.gates.length === 1 ? '' : 's'} in ${layout.worktree(id)} (${new Date().toLocaleTimeString()})`);
      try {
        const results = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Gates of ${id}`, cancellable: true },
          (progress, token) => {
            const controller = new AbortController();
            token.onCancellationRequested(() => controller.abort());
            return runTaskGates(layout, id, task.gates, {
              signal: controller.signal,
              onStart: (command, i) => {
                progress.report({ message: `${i + 1}/${task.gates.length}: ${command}`, increment: i === 0 ? 0 : 100 / task.gates.length });
                gatesOutput.appendLine(`▶ ${command}`);
              },
              onOutput: (_c, chunk) => gatesOutput.append(chunk),
            });
          },
        );
        for (const r of results) gatesOutput.appendLine(gateLine(r));
        const passed = gatesPassed(results, task.gates);
        gatesOutput.appendLine(passed ? `Gates passed for ${id}.` : `Gates failed for ${id}; whole output in ${layout.gatesDir(id)}.`);
        if (!passed) void vscode.window.showWarningMessage(`Gates failed for "${id}": ${results.find((r) => r.exit_code !== 0)?.command ?? 'cancelled'}.`);
        return results;
      } catch (err) {
        void vscode.window.showErrorMessage(`Baton: ${(err as Error).message}`);
        return undefined;
      } finally {
        running.delete(id);
        workers.refresh();
      }
    }),

    vscode.commands.registerCommand('baton.requestChanges', async (target?: Target, feedback?: string) => {
      if (!ensureTrusted('send changes to a worker')) return undefined;
      const id = await pick(target, 'Request changes on which task?', (s, t) => REVIEWABLE.has(s) && hasWorktree(t));
      if (!id) return undefined;
      const text =
        feedback ??
        (await vscode.window.showInputBox({
          title: `Request changes on ${id}`,
          prompt: 'What should the worker change? It reaches the worker in its terminal, or resumes its conversation if it has exited.',
          ignoreFocusOut: true,
        }));
      if (!text?.trim()) return undefined;
      try {
        const via = await workers.sendToWorker(id, `The reviewer asks for changes: ${text.trim()} When you are done, commit, and hand over again with baton report done.`, {
          type: 'changes-requested',
          feedback: text.trim(),
        });
        void vscode.window.setStatusBarMessage(via === 'terminal' ? `Baton: changes sent to ${id}` : `Baton: ${id} resumed with your changes`, 5000);
        return via;
      } catch (err) {
        if (err instanceof LaunchRefused) void vscode.window.showWarningMessage(err.message);
        else void vscode.window.showErrorMessage(`Baton: ${(err as Error).message}`);
        return undefined;
      }
    }),

    vscode.commands.registerCommand('baton.discardTask', async (target?: Target, confirmed?: boolean) => {
      if (!ensureTrusted('discard a task')) return undefined;
      const id = await pick(target, 'Discard which task?', (s, t) => !LIVE_STATES.has(s) && s !== 'approved' && hasWorktree(t));
      const layout = workers.runLayout;
      const plan = planSource.current?.plan;
      if (!id || !layout || !plan) return undefined;
      if (LIVE_STATES.has(states().get(id) ?? 'blocked')) {
        void vscode.window.showWarningMessage(`"${id}" has a running worker: stop it first.`);
        return undefined;
      }
      const loss = await lossFor(layout, id, plan.base);
      if (!loss.worktreeExists && !loss.branchExists) {
        void vscode.window.showInformationMessage(`"${id}" has no worktree or branch to discard.`);
        return undefined;
      }
      if (!confirmed) {
        const detail = [
          `Its worktree and the branch ${loss.branch} are removed.`,
          lossIsEmpty(loss) ? 'Nothing is lost: the base holds all of it.' : `Lost for good: ${describeLossText(loss)}.`,
        ].join('\n\n');
        const answer = await vscode.window.showWarningMessage(`Discard "${id}"?`, { modal: true, detail }, 'Discard');
        if (answer !== 'Discard') return undefined;
      }
      try {
        await discardTask(layout, id, plan.base);
        workers.terminal(id)?.dispose();
        void vscode.window.setStatusBarMessage(`Baton: discarded ${id}`, 5000);
        return loss;
      } catch (err) {
        void vscode.window.showErrorMessage(`Baton could not discard "${id}": ${(err as Error).message}`);
        return undefined;
      }
    }),
  );
}
