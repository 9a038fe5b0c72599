// Approve Task and what follows it: the merge queue's outcome as a notification, and the two ways out of a
// conflict ("Ask the Worker to Rebase", "Resolve in Editor" then "Continue Merge"). Approve takes a tree
// node, a task id, the multi-file diff editor's resource (its title bar), or nothing (then a picker).
import * as vscode from 'vscode';
import { ApprovalRefused } from '../../core/run/approve';
import { LaunchRefused } from '../../core/run/launch';
import { finishResolution, startResolution, type MergeResult } from '../../core/run/mergeQueue';
import { readEvents } from '../../core/run/events';
import { BatonLayout } from '../../core/run/layout';
import { APPROVABLE_STATES, type TaskState } from '../../core/run/states';
import type { PlanSource } from '../planSource';
import { reviewTasks, reviewTitle, tabResources } from '../reviewDocuments';
import { taskOfEditor, tasksTitled } from '../reviewTarget';
import type { Workers } from '../workers';
import { pickTask, type Target } from './workerActions';

export function registerApproveTask(context: vscode.ExtensionContext, workers: Workers, planSource: PlanSource): void {
  const states = () => (planSource.current ? workers.taskStates(planSource.current) : new Map<string, TaskState>());
  const pick = async (target: Target | vscode.Uri, title: string, allowed: (s: TaskState) => boolean) => {
    if (!(target instanceof vscode.Uri)) return pickTask(target, title, allowed, planSource, states());
    // Run from an editor's title bar: the task whose id that editor carries, never one found by title alone.
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    const found = taskOfEditor(target, tab && { label: tab.label, resources: tabResources(tab) }, reviewTasks(planSource.current?.plan.tasks ?? [], workers));
    if (found && 'ambiguous' in found) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('Baton cannot tell which task this editor shows: {0} have the same title. Use the Tasks view, or open the review again with Review Task.', found.ambiguous.join(', ')),
      );
      return undefined;
    }
    return pickTask(found?.id, title, allowed, planSource, states());
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('baton.approveTask', async (target?: Target | vscode.Uri, options?: { force?: boolean }) => {
      const id = await pick(target, vscode.l10n.t('Approve which task?'), (s) => APPROVABLE_STATES.has(s));
      if (!id) return undefined;
      try {
        return await approve(id, options?.force ?? false);
      } catch (err) {
        if (err instanceof ApprovalRefused && err.gatesOnly) {
          const anyway = vscode.l10n.t('Approve Anyway');
          const answer = await vscode.window.showWarningMessage(
            err.message,
            { modal: true, detail: vscode.l10n.t("Approving anyway is recorded in the task's history. The gates still run on the merged tree.") },
            anyway,
          );
          if (answer !== anyway) return undefined;
          return approve(id, true);
        }
        if (err instanceof ApprovalRefused || err instanceof LaunchRefused) void vscode.window.showWarningMessage(err.message);
        else void vscode.window.showErrorMessage(vscode.l10n.t('Baton: {0}', (err as Error).message));
        return undefined;
      }
    }),
    vscode.commands.registerCommand('baton.askWorkerToRebase', async (target?: Target) => {
      const id = await pick(target, vscode.l10n.t('Which task should rebase?'), (s) => s === 'conflict');
      if (!id) return undefined;
      try {
        const how = await workers.askToRebase(id, conflictFiles(workers, id));
        void vscode.window.setStatusBarMessage(
          how === 'typed' ? vscode.l10n.t("Baton: asked {0}'s worker to rebase", id) : vscode.l10n.t('Baton: started a worker on {0} to rebase', id),
          5000,
        );
        return how;
      } catch (err) {
        void vscode.window.showWarningMessage((err as Error).message);
        return undefined;
      }
    }),
    vscode.commands.registerCommand('baton.resolveConflict', async (target?: Target) => {
      const id = await pick(target, vscode.l10n.t('Resolve the merge of which task?'), (s) => s === 'conflict');
      const layout = layoutOf(workers);
      if (!id || !layout || !planSource.current) return undefined;
      const { dir, files } = await startResolution(layout, id, planSource.current.plan.base);
      // The merge editor reads the merge's sides through the git extension, which must know this tree
      // (it lies in Baton's ignored folder, so it is never found by scanning).
      await vscode.commands.executeCommand('git.openRepository', dir).then(undefined, () => undefined);
      for (const f of files) {
        const uri = vscode.Uri.file(`${dir}/${f}`);
        // The git extension's merge editor, once it knows the scratch tree; the text editor (with its own
        // "Resolve in Merge Editor" button) otherwise.
        await vscode.commands.executeCommand('git.openMergeEditor', uri).then(undefined, () => vscode.commands.executeCommand('vscode.open', uri));
      }
      const next = vscode.l10n.t('Continue Merge');
      void vscode.window.showInformationMessage(vscode.l10n.t('Resolve the conflicts of "{0}" ({1}), save, then continue the merge queue.', id, files.join(', ')), next).then((c) => {
        if (c === next) void vscode.commands.executeCommand('baton.continueMerge', id);
      });
      return dir;
    }),
    vscode.commands.registerCommand('baton.continueMerge', async (target?: Target) => {
      const id = await pick(target, vscode.l10n.t('Continue the merge of which task?'), (s) => s === 'conflict');
      const layout = layoutOf(workers);
      const plan = planSource.current?.plan;
      const task = plan?.tasks.find((t) => t.id === id);
      if (!id || !layout || !plan || !task) return undefined;
      try {
        await vscode.workspace.saveAll(false);
        const style = vscode.workspace.getConfiguration('baton').get<string>('mergeStyle', 'merge') === 'squash' ? 'squash' : 'merge';
        await finishResolution(layout, { task: id, title: task.title, base: plan.base, gates: task.gates, style });
        await workers.processQueue();
        return id;
      } catch (err) {
        void vscode.window.showWarningMessage((err as Error).message);
        return undefined;
      }
    }),
    workers.onDidMerge((r) => void tellMergeResult(r)),
    // A review diff carries its task in its resource (baton-review-diff:); one opened the older way shows
    // only its title: a context key says when such a diff is shown, so Approve Task appears there too.
    vscode.window.tabGroups.onDidChangeTabs(() => updateReviewDiffKey(planSource)),
    vscode.window.tabGroups.onDidChangeTabGroups(() => updateReviewDiffKey(planSource)),
  );
  updateReviewDiffKey(planSource);

  async function approve(id: string, force: boolean): Promise<number> {
    const position = await workers.approve(id, force);
    void vscode.window.setStatusBarMessage(
      position ? vscode.l10n.t('Baton: {0} queued to merge ({1} ahead)', id, position) : vscode.l10n.t('Baton: {0} queued to merge', id),
      5000,
    );
    return position;
  }
}

async function tellMergeResult(r: MergeResult): Promise<void> {
  if (r.outcome === 'merged') {
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Baton: merged {0} into {1} ({2})', r.task, r.base, r.commit.slice(0, 7)), 8000);
    return;
  }
  if (r.outcome === 'conflict') {
    const rebase = vscode.l10n.t('Ask the Worker to Rebase');
    const resolve = vscode.l10n.t('Resolve in Editor');
    const c = await vscode.window.showWarningMessage(vscode.l10n.t('"{0}" conflicts with the base in {1}. Nothing was changed.', r.task, r.files.join(', ')), rebase, resolve);
    if (c === rebase) await vscode.commands.executeCommand('baton.askWorkerToRebase', r.task);
    if (c === resolve) await vscode.commands.executeCommand('baton.resolveConflict', r.task);
    return;
  }
  if (r.outcome === 'integration_failed') {
    const failed = r.gates.find((g) => g.exit_code !== 0);
    const show = vscode.l10n.t('Show Output');
    const c = await vscode.window.showWarningMessage(
      vscode.l10n.t('"{0}" passed its gates alone but "{1}" fails on the merged tree; the base did not move.', r.task, String(failed?.command)),
      show,
    );
    if (c === show && failed?.output_file) await vscode.window.showTextDocument(vscode.Uri.file(failed.output_file));
    return;
  }
  void vscode.window.showWarningMessage(vscode.l10n.t('"{0}" was not merged: {1}', r.task, r.message));
}

/** The conflicting files the queue recorded for a task. */
function conflictFiles(workers: Workers, taskId: string): string[] {
  const layout = layoutOf(workers);
  const last = layout ? readEvents(layout.events(taskId)).filter((e) => e.type === 'conflict').at(-1) : undefined;
  return Array.isArray(last?.files) ? (last.files as string[]) : [];
}

function layoutOf(workers: Workers): BatonLayout | undefined {
  const root = workers.root();
  return root ? new BatonLayout(root) : undefined;
}

function updateReviewDiffKey(planSource: PlanSource): void {
  const titles = (planSource.current?.plan.tasks ?? []).map((t) => ({ id: t.id, reviewTitle: reviewTitle(t), worktree: '' }));
  const shown = vscode.window.tabGroups.all.some((g) => g.activeTab && tasksTitled(g.activeTab.label, titles).length > 0);
  void vscode.commands.executeCommand('setContext', 'baton.reviewDiffShown', shown);
}
