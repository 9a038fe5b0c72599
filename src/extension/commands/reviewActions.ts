// Judging a task's work: Review Task (multi-file diff against the merge-base, and a summary), Run Gates,
// Request Changes, Discard Task. Each takes a tree node, a task id, or nothing (then asks with a picker).
import { existsSync, watch, type FSWatcher } from 'node:fs';
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
import { baseUri, BASE_SCHEME, reviewDiffUri, ReviewDocuments, REVIEW_SCHEME, reviewTasks, reviewTitle, reviewUri, tabResources } from '../reviewDocuments';
import { tabTasks, type ReviewTask } from '../reviewTarget';
import { stateLabel } from '../taskStateIcons';
import type { TaskNode } from '../tasksTree';
import type { Workers } from '../workers';
import type { WorkerNode } from '../workersTree';
import { ensureTrusted } from '../workspaceTrust';

type Target = TaskNode | WorkerNode | string | undefined;

/** A task has something to review once its worker has stopped writing and its worktree exists. */
const REVIEWABLE: ReadonlySet<TaskState> = new Set(['review', 'idle', 'waiting_input', 'worker_blocked', 'failed', 'stalled', 'cancelled', 'conflict']);

/** Returns how to re-render a task's review summary when it is open (after an AI pre-review). */
export function registerReviewActions(context: vscode.ExtensionContext, workers: Workers, planSource: PlanSource): (taskId: string) => Promise<void> {
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
      void vscode.window.showInformationMessage(vscode.l10n.t('No task fits: a task can be reviewed once its worker has finished (see the Tasks view).'));
      return undefined;
    }
    const chosen = await vscode.window.showQuickPick(
      tasks.map((t) => ({ label: t.title || t.id, description: t.id, detail: stateLabel(now.get(t.id) ?? 'blocked'), id: t.id })),
      { title, matchOnDescription: true },
    );
    return chosen?.id;
  };
  const redraws = new Map<string, number>();
  // A worker's report or `baton gates` rewrites result.json: an open summary follows it.
  const resultWatchers = new Map<string, FSWatcher>();
  context.subscriptions.push({ dispose: () => resultWatchers.forEach((w) => w.close()) });
  const followResult = (id: string, runDir: string) => {
    if (resultWatchers.has(id)) return;
    try {
      const w = watch(runDir, (_event, name) => {
        // Gate results and the worker's summary; the merge preview, made again when the base moves.
        if (name?.toString() === 'result.json' || name?.toString() === 'merge-preview.json') void rerender(id);
      });
      w.on('error', () => {
        w.close();
        resultWatchers.delete(id); // the run folder went away: the next Review Task watches it again
      });
      resultWatchers.set(id, w);
    } catch {
      // no run folder: nothing to follow
    }
  };
  const taskOf = (id: string) => planSource.current?.plan.tasks.find((t) => t.id === id);
  const tasksOfPlan = () => reviewTasks(planSource.current?.plan.tasks ?? [], workers);

  async function openReview(id: string): Promise<{ files: number } | undefined> {
    const task = taskOf(id);
    const layout = workers.runLayout;
    const plan = planSource.current?.plan;
    if (!task || !layout || !plan) {
      void vscode.window.showWarningMessage(vscode.l10n.t('There is no task "{0}" in the plan.', id));
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
    followResult(id, layout.runDir(id));
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
        return [vscode.Uri.file(join(worktree, f.path)), left, right] as const;
      });
      await closeOpenReview(id, reviewTitle(task), worktree, tasksOfPlan());
      // The diff's own resource names the task: its title-bar commands (Approve) get it, and two tasks with
      // one title stay apart. The command VS Code's git extension uses for the same; vscode.changes (which
      // gives the editor a random resource) where it is missing.
      await vscode.commands
        .executeCommand('_workbench.openMultiDiffEditor', {
          multiDiffSourceUri: reviewDiffUri(id),
          title: reviewTitle(task),
          resources: entries.map(([, originalUri, modifiedUri]) => ({ originalUri, modifiedUri })),
        })
        .then(undefined, () => vscode.commands.executeCommand('vscode.changes', reviewTitle(task), entries));
    } else {
      void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" has no changes against {1} yet.', id, plan.base));
    }
    try {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', reviewUri(id));
    } catch {
      // Without the built-in Markdown extension: the summary as text.
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(reviewUri(id)), { viewColumn: vscode.ViewColumn.Beside, preview: false });
    }
    workers.refresh(); // also shows the merge preview the review just made
    return { files: review.files.length };
  }

  context.subscriptions.push(
    // Merged and cleaned up: the review showed files that are gone now, and the work is on the base.
    workers.onDidMerge((r) => {
      const task = taskOf(r.task);
      const worktree = workers.runLayout?.worktree(r.task);
      if (r.outcome === 'merged' && task && worktree && !existsSync(worktree)) void closeOpenReview(r.task, reviewTitle(task), worktree, tasksOfPlan());
    }),
    vscode.commands.registerCommand('baton.reviewTask', async (target?: Target) => {
      const id = await pick(target, vscode.l10n.t('Review which task?'), (s, t) => REVIEWABLE.has(s) && hasWorktree(t));
      return id ? openReview(id) : undefined;
    }),

    vscode.commands.registerCommand('baton.runGates', async (target?: Target) => {
      if (!ensureTrusted(vscode.l10n.t('run gates'))) return undefined;
      const id = await pick(target, vscode.l10n.t('Run the gates of which task?'), (s, t) => s !== 'approved' && hasWorktree(t));
      const task = id ? taskOf(id) : undefined;
      const layout = workers.runLayout;
      if (!id || !task || !layout) return undefined;
      if (task.gates.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" has no gates: add `gates:` to the task or to the plan\'s defaults.', id));
        return [];
      }
      if (running.has(id)) {
        void vscode.window.showInformationMessage(vscode.l10n.t('The gates of "{0}" are already running (see the Baton Gates output).', id));
        return undefined;
      }
      running.add(id);
      gatesOutput.show(true);
      const when = new Date().toLocaleTimeString();
      gatesOutput.appendLine(
        `── ${task.gates.length === 1 ? vscode.l10n.t('{0}: 1 gate in {1} ({2})', id, layout.worktree(id), when) : vscode.l10n.t('{0}: {1} gates in {2} ({3})', id, task.gates.length, layout.worktree(id), when)}`,
      );
      try {
        const results = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Gates of {0}', id), cancellable: true },
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
        gatesOutput.appendLine(passed ? vscode.l10n.t('Gates passed for {0}.', id) : vscode.l10n.t('Gates failed for {0}; whole output in {1}.', id, layout.gatesDir(id)));
        if (!passed) {
          void vscode.window.showWarningMessage(vscode.l10n.t('Gates failed for "{0}": {1}.', id, results.find((r) => r.exit_code !== 0)?.command ?? vscode.l10n.t('cancelled')));
        }
        return results;
      } catch (err) {
        void vscode.window.showErrorMessage(vscode.l10n.t('Baton: {0}', (err as Error).message));
        return undefined;
      } finally {
        running.delete(id);
        workers.refresh();
        await rerender(id); // an open summary shows the gates just run
      }
    }),

    vscode.commands.registerCommand('baton.requestChanges', async (target?: Target, feedback?: string) => {
      if (!ensureTrusted(vscode.l10n.t('send changes to a worker'))) return undefined;
      const id = await pick(target, vscode.l10n.t('Request changes on which task?'), (s, t) => REVIEWABLE.has(s) && hasWorktree(t));
      if (!id) return undefined;
      const text =
        feedback ??
        (await vscode.window.showInputBox({
          title: vscode.l10n.t('Request changes on {0}', id),
          prompt: vscode.l10n.t('What should the worker change? It reaches the worker in its terminal, or resumes its conversation if it has exited.'),
          ignoreFocusOut: true,
        }));
      if (!text?.trim()) return undefined;
      try {
        const via = await workers.sendToWorker(id, `The reviewer asks for changes: ${text.trim()} When you are done, commit, and hand over again with baton report done.`, {
          type: 'changes-requested',
          feedback: text.trim(),
        });
        void vscode.window.setStatusBarMessage(via === 'terminal' ? vscode.l10n.t('Baton: changes sent to {0}', id) : vscode.l10n.t('Baton: {0} resumed with your changes', id), 5000);
        return via;
      } catch (err) {
        if (err instanceof LaunchRefused) void vscode.window.showWarningMessage(err.message);
        else void vscode.window.showErrorMessage(vscode.l10n.t('Baton: {0}', (err as Error).message));
        return undefined;
      }
    }),

    vscode.commands.registerCommand('baton.discardTask', async (target?: Target, confirmed?: boolean) => {
      if (!ensureTrusted(vscode.l10n.t('discard a task'))) return undefined;
      const id = await pick(target, vscode.l10n.t('Discard which task?'), (s, t) => !LIVE_STATES.has(s) && s !== 'approved' && hasWorktree(t));
      const layout = workers.runLayout;
      const plan = planSource.current?.plan;
      if (!id || !layout || !plan) return undefined;
      if (LIVE_STATES.has(states().get(id) ?? 'blocked')) {
        void vscode.window.showWarningMessage(vscode.l10n.t('"{0}" has a running worker: stop it first.', id));
        return undefined;
      }
      const loss = await lossFor(layout, id, plan.base);
      if (!loss.worktreeExists && !loss.branchExists) {
        void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" has no worktree or branch to discard.', id));
        return undefined;
      }
      if (!confirmed) {
        // What is lost is described by the engine, in the words `baton discard` prints.
        const detail = [
          vscode.l10n.t('Its worktree and the branch {0} are removed.', loss.branch),
          lossIsEmpty(loss) ? vscode.l10n.t('Nothing is lost: the base holds all of it.') : vscode.l10n.t('Lost for good: {0}.', describeLossText(loss)),
        ].join('\n\n');
        const discard = vscode.l10n.t('Discard');
        const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Discard "{0}"?', id), { modal: true, detail }, discard);
        if (answer !== discard) return undefined;
      }
      try {
        await discardTask(layout, id, plan.base);
        workers.terminal(id)?.dispose();
        // Its review showed files that are gone now: close it, as reopening a review does.
        const task = taskOf(id);
        if (task) await closeOpenReview(id, reviewTitle(task), layout.worktree(id), tasksOfPlan());
        void vscode.window.setStatusBarMessage(vscode.l10n.t('Baton: discarded {0}', id), 5000);
        return loss;
      } catch (err) {
        void vscode.window.showErrorMessage(vscode.l10n.t('Baton could not discard "{0}": {1}', id, (err as Error).message));
        return undefined;
      }
    }),
  );
  return rerender;

  async function rerender(id: string): Promise<void> {
    const task = taskOf(id);
    const layout = workers.runLayout;
    const plan = planSource.current?.plan;
    if (!task || !layout || !plan || !documents.has(id)) return;
    // Several redraws can overlap (a file written in two steps, gates and their result.json): the last asked wins.
    const asked = (redraws.get(id) ?? 0) + 1;
    redraws.set(id, asked);
    const input = await gatherReview(layout, task, plan.base, states().get(id) ?? 'blocked').catch(() => undefined);
    if (!input || redraws.get(id) !== asked) return;
    input.history = workers.history(id);
    documents.setSummary(id, reviewMarkdown(input));
  }
}

/**
 * Opening a review again replaces it: its diff and summary tabs from before close first, else each opening
 * adds another pair in a new group beside wherever the focus was. A diff whose worktree files have unsaved
 * edits stays open (closing it might ask about them, or leave them behind unseen).
 */
async function closeOpenReview(taskId: string, title: string, worktree: string, tasks: readonly ReviewTask[]): Promise<void> {
  const summary = reviewUri(taskId).toString();
  const unsaved = vscode.workspace.textDocuments.some((d) => d.isDirty && d.uri.scheme === 'file' && d.uri.fsPath.startsWith(worktree));
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => {
    const input = t.input;
    if (input instanceof vscode.TabInputText) return input.uri.toString() === summary;
    if (input instanceof vscode.TabInputWebview) return /markdown\.preview/.test(input.viewType) && t.label.endsWith(`Review ${taskId}.md`);
    if (unsaved || !(t.label === title || t.label.startsWith(`${title} (`))) return false;
    // Another task's review may have the same title: a diff showing another task's files is left open.
    return [...tabTasks(tabResources(t), tasks)].every((shown) => shown === taskId);
  });
  if (tabs.length) await vscode.window.tabGroups.close(tabs, true);
}
