// Commands on workers: start (one, or every ready task), stop, restart, reply, show terminal, open or
// reveal the worktree. Each takes a tree node, a task id, or nothing (then asks with a picker).
import * as vscode from 'vscode';
import { LaunchRefused } from '../../core/run/launch';
import { LIVE_STATES, WORKING_STATES, type TaskState } from '../../core/run/states';
import type { PlanSource } from '../planSource';
import { stateLabel } from '../taskStateIcons';
import type { TaskNode } from '../tasksTree';
import type { Workers } from '../workers';
import type { WorkerNode } from '../workersTree';

export type Target = TaskNode | WorkerNode | string | undefined;

export function registerWorkerActions(context: vscode.ExtensionContext, workers: Workers, planSource: PlanSource): void {
  const states = () => (planSource.current ? workers.taskStates(planSource.current) : new Map<string, TaskState>());
  const pick = (target: Target, title: string, allowed: (s: TaskState) => boolean) => pickTask(target, title, allowed, planSource, states());
  const refused = (err: unknown) => {
    if (err instanceof LaunchRefused) void vscode.window.showWarningMessage(err.message);
    else void vscode.window.showErrorMessage(vscode.l10n.t('Baton: {0}', (err as Error).message));
    return undefined;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('baton.startWorker', async (target?: Target) => {
      const id = await pick(target, vscode.l10n.t('Start a worker on which task?'), (s) => s === 'ready');
      if (!id) return undefined;
      try {
        const terminal = await workers.startWorker(id);
        terminal.show(true);
        return id;
      } catch (err) {
        return refused(err);
      }
    }),
    vscode.commands.registerCommand('baton.startReadyTasks', async () => {
      const started = await workers.startReady();
      if (started.length === 0) void vscode.window.showInformationMessage(nothingToStart(planSource, states()));
      else void vscode.window.setStatusBarMessage(vscode.l10n.t('Baton: started {0}', started.join(', ')), 5000);
      return started;
    }),
    vscode.commands.registerCommand('baton.stopWorker', async (target?: Target) => {
      const id = await pick(target, vscode.l10n.t('Stop which worker?'), (s) => LIVE_STATES.has(s) || s === 'stalled' || s === 'review');
      if (!id || !(await confirmMidTurn(id, states().get(id), 'Stop'))) return false;
      const stopped = await workers.stopWorker(id);
      if (!stopped) void vscode.window.showWarningMessage(vscode.l10n.t('"{0}" has no running worker.', id));
      return stopped;
    }),
    vscode.commands.registerCommand('baton.restartWorker', async (target?: Target) => {
      const id = await pick(target, vscode.l10n.t('Restart which worker?'), (s) => s !== 'ready' && s !== 'blocked' && s !== 'approved');
      if (!id || !(await confirmMidTurn(id, states().get(id), 'Restart'))) return undefined;
      try {
        const terminal = await workers.restartWorker(id);
        if (!terminal) return undefined; // the person kept the worker as it was
        terminal.show(true);
        return id;
      } catch (err) {
        return refused(err);
      }
    }),
    vscode.commands.registerCommand('baton.showWorkerTerminal', async (target?: Target) => {
      const id = await pick(target, vscode.l10n.t('Show which worker?'), (s) => s !== 'ready' && s !== 'blocked');
      if (!id) return false;
      const terminal = workers.terminal(id);
      if (terminal) {
        terminal.show();
        return true;
      }
      void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" has no terminal in this window (it may run headless): its output is in .baton/runs/{0}/.', id));
      return false;
    }),
    vscode.commands.registerCommand('baton.replyToWorker', async (target?: Target, answer?: string) => {
      const id = await pick(target, vscode.l10n.t('Reply to which worker?'), (s) => s === 'waiting_input' || s === 'worker_blocked' || s === 'idle');
      if (!id) return false;
      const view = workers.records.get(id)?.view;
      if (view?.state === 'waiting_input') {
        // Claude Code is showing a menu (a permission or folder-trust question): typed text and Enter would
        // pick its highlighted choice, often "Yes". The person answers it in the terminal, seeing the choices.
        const show = vscode.l10n.t('Show Terminal');
        const question = view.activity?.replace(/^Waiting:\s*/, '') ?? vscode.l10n.t('a question');
        const choice = await vscode.window.showWarningMessage(
          vscode.l10n.t('"{0}" is waiting at a question in its terminal: {1}', id, question),
          {
            modal: true,
            detail: vscode.l10n.t('It offers choices (for a permission: allow once, always, or no). Answer it in the terminal, where you see them: Baton does not type into a menu.'),
          },
          show,
        );
        if (choice === show) workers.terminal(id)?.show();
        return false;
      }
      const reason = view?.reason;
      const text =
        answer ??
        (await vscode.window.showInputBox({
          title: vscode.l10n.t('Reply to {0}', id),
          prompt: reason ? vscode.l10n.t('It asked: {0}', reason) : vscode.l10n.t("Your answer is typed into the worker's terminal."),
          ignoreFocusOut: true,
        }));
      if (!text) return false;
      if (!workers.reply(id, text)) {
        void vscode.window.showWarningMessage(vscode.l10n.t('"{0}" has no terminal in this window to type into.', id));
        return false;
      }
      return true;
    }),
    vscode.commands.registerCommand('baton.openWorktree', async (target?: Target) => {
      const folder = await worktreeOf(target);
      if (folder) await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(folder), { forceNewWindow: true });
    }),
    vscode.commands.registerCommand('baton.revealWorktree', async (target?: Target) => {
      const folder = await worktreeOf(target);
      if (folder) await revealWorktree(vscode.Uri.file(folder));
    }),
  );

  async function worktreeOf(target: Target): Promise<string | undefined> {
    const id = await pick(target, vscode.l10n.t("Which worker's worktree?"), (s) => s !== 'ready' && s !== 'blocked');
    const folder = id ? workers.worktree(id) : undefined;
    if (!folder) return undefined;
    try {
      await vscode.workspace.fs.stat(vscode.Uri.file(folder));
      return folder;
    } catch {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('The worktree of "{0}" is gone (deleted by hand?). Its branch baton/{0} keeps the committed work; Restart Worker makes the worktree again.', String(id)),
      );
      return undefined;
    }
  }
}

export async function pickTask(
  target: Target,
  title: string,
  allowed: (s: TaskState) => boolean,
  planSource: PlanSource,
  states: Map<string, TaskState>,
): Promise<string | undefined> {
  if (typeof target === 'string') return target;
  if (target?.kind === 'task') return target.task.id;
  if (target?.kind === 'worker') return target.taskId;
  const tasks = (planSource.current?.plan.tasks ?? []).filter((t) => allowed(states.get(t.id) ?? 'blocked'));
  if (tasks.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No task fits: see the Tasks view for what each task is waiting on.'));
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(
    tasks.map((t) => ({ label: t.title || t.id, description: t.id, detail: stateLabel(states.get(t.id) ?? 'blocked'), id: t.id })),
    { title, matchOnDescription: true },
  );
  return chosen?.id;
}

/**
 * Asks before stopping a worker in the middle of a turn (starting or running): what it is doing is cut
 * short. Waiting or idle workers lose nothing, so they are not asked about. The setting
 * baton.confirmStopWhileWorking (or "Don't Ask Again") turns the question off.
 */
async function confirmMidTurn(id: string, state: TaskState | undefined, verb: 'Stop' | 'Restart'): Promise<boolean> {
  const config = vscode.workspace.getConfiguration('baton');
  if (!state || !WORKING_STATES.has(state) || !config.get<boolean>('confirmStopWhileWorking', true)) return true;
  const stop = verb === 'Stop';
  const go = stop ? vscode.l10n.t('Stop Worker') : vscode.l10n.t('Restart Worker');
  const always = stop ? vscode.l10n.t("Stop and Don't Ask Again") : vscode.l10n.t("Restart and Don't Ask Again");
  const answer = await vscode.window.showWarningMessage(
    stop ? vscode.l10n.t('Stop "{0}" in the middle of its turn?', id) : vscode.l10n.t('Restart "{0}" in the middle of its turn?', id),
    {
      modal: true,
      detail: stop
        ? vscode.l10n.t('The worker is stopped where it is. What it has not committed is saved on its branch as a checkpoint commit.')
        : vscode.l10n.t('The worker is stopped where it is and started again with a new session. What it has not committed is saved on its branch as a checkpoint commit.'),
    },
    go,
    always,
  );
  if (answer === always) await config.update('confirmStopWhileWorking', false, vscode.ConfigurationTarget.Global);
  return answer === go || answer === always;
}

/** "No task can start now", and why: what waits for review, what waits on others, or no free worker. */
function nothingToStart(planSource: PlanSource, states: Map<string, TaskState>): string {
  const tasks = planSource.current?.plan.tasks ?? [];
  const inState = (...wanted: TaskState[]) => tasks.filter((t) => wanted.includes(states.get(t.id) ?? 'blocked')).map((t) => `"${t.id}"`);
  const review = inState('review');
  const live = inState(...LIVE_STATES);
  const errors = planSource.current?.diagnostics.some((d) => d.severity === 'error');
  if (errors) return vscode.l10n.t('No task can start now: the plan has errors. Fix them (see Problems) and try again.');
  if (inState('ready').length > 0) return vscode.l10n.t('No task can start now: every worker slot is busy ({0}).', live.join(', '));
  const why = [
    review.length ? (review.length === 1 ? vscode.l10n.t('{0} waits for your review', review[0]) : vscode.l10n.t('{0} wait for your review', review.join(', '))) : '',
    live.length ? (live.length === 1 ? vscode.l10n.t('{0} is still working', live[0]) : vscode.l10n.t('{0} are still working', live.join(', '))) : '',
  ].filter(Boolean);
  return why.length
    ? vscode.l10n.t('No task is ready: {0}. The tasks that depend on them start once they are approved.', why.join('; '))
    : vscode.l10n.t('No task is ready: every task waits for others to be approved (see the Tasks view).');
}

/**
 * In desktop VS Code, the system's file manager. In VS Code for the web (code-server) or a remote window
 * there is no local file manager for that folder: reveal it in the Explorer view, or open it in a new
 * window when it lies outside the workspace.
 */
async function revealWorktree(folder: vscode.Uri): Promise<void> {
  if (vscode.env.uiKind !== vscode.UIKind.Web && !vscode.env.remoteName) {
    await vscode.commands.executeCommand('revealFileInOS', folder);
    return;
  }
  if (vscode.workspace.getWorkspaceFolder(folder)) {
    await vscode.commands.executeCommand('revealInExplorer', folder);
    return;
  }
  const open = vscode.l10n.t('Open in New Window');
  const choice = await vscode.window.showInformationMessage(vscode.l10n.t('The worktree is outside this workspace: {0}', folder.fsPath), open);
  if (choice === open) await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: true });
}
