// Commands on workers: start (one, or every ready task), stop, restart, reply, show terminal, open or
// reveal the worktree. Each takes a tree node, a task id, or nothing (then asks with a picker).
import * as vscode from 'vscode';
import { LaunchRefused } from '../../core/run/launch';
import { LIVE_STATES, type TaskState } from '../../core/run/states';
import type { PlanSource } from '../planSource';
import { stateLabel } from '../taskStateIcons';
import type { TaskNode } from '../tasksTree';
import type { Workers } from '../workers';
import type { WorkerNode } from '../workersTree';

type Target = TaskNode | WorkerNode | string | undefined;

export function registerWorkerActions(context: vscode.ExtensionContext, workers: Workers, planSource: PlanSource): void {
  const states = () => (planSource.current ? workers.taskStates(planSource.current) : new Map<string, TaskState>());
  const pick = (target: Target, title: string, allowed: (s: TaskState) => boolean) => pickTask(target, title, allowed, planSource, states());
  const refused = (err: unknown) => {
    if (err instanceof LaunchRefused) void vscode.window.showWarningMessage(err.message);
    else void vscode.window.showErrorMessage(`Baton: ${(err as Error).message}`);
    return undefined;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('baton.startWorker', async (target?: Target) => {
      const id = await pick(target, 'Start a worker on which task?', (s) => s === 'ready');
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
      if (started.length === 0) void vscode.window.showInformationMessage('No task can start now: none is ready, or every worker slot is busy.');
      else void vscode.window.setStatusBarMessage(`Baton: started ${started.join(', ')}`, 5000);
      return started;
    }),
    vscode.commands.registerCommand('baton.stopWorker', async (target?: Target) => {
      const id = await pick(target, 'Stop which worker?', (s) => LIVE_STATES.has(s));
      if (!id) return false;
      const stopped = await workers.stopWorker(id);
      if (!stopped) void vscode.window.showWarningMessage(`"${id}" has no running worker.`);
      return stopped;
    }),
    vscode.commands.registerCommand('baton.restartWorker', async (target?: Target) => {
      const id = await pick(target, 'Restart which worker?', (s) => s !== 'ready' && s !== 'blocked' && s !== 'approved');
      if (!id) return undefined;
      try {
        (await workers.restartWorker(id)).show(true);
        return id;
      } catch (err) {
        return refused(err);
      }
    }),
    vscode.commands.registerCommand('baton.showWorkerTerminal', async (target?: Target) => {
      const id = await pick(target, 'Show which worker?', (s) => s !== 'ready' && s !== 'blocked');
      if (!id) return false;
      const terminal = workers.terminal(id);
      if (terminal) {
        terminal.show();
        return true;
      }
      void vscode.window.showInformationMessage(`"${id}" has no terminal in this window (it may run headless): its output is in .baton/runs/${id}/.`);
      return false;
    }),
    vscode.commands.registerCommand('baton.replyToWorker', async (target?: Target, answer?: string) => {
      const id = await pick(target, 'Reply to which worker?', (s) => s === 'waiting_input' || s === 'worker_blocked' || s === 'idle');
      if (!id) return false;
      const reason = workers.records.get(id)?.view.reason;
      const text =
        answer ??
        (await vscode.window.showInputBox({
          title: `Reply to ${id}`,
          prompt: reason ? `It asked: ${reason}` : 'Your answer is typed into the worker\'s terminal.',
          ignoreFocusOut: true,
        }));
      if (!text) return false;
      if (!workers.reply(id, text)) {
        void vscode.window.showWarningMessage(`"${id}" has no terminal in this window to type into.`);
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
      if (folder) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(folder));
    }),
  );

  async function worktreeOf(target: Target): Promise<string | undefined> {
    const id = await pick(target, 'Which worker\'s worktree?', (s) => s !== 'ready' && s !== 'blocked');
    const folder = id ? workers.worktree(id) : undefined;
    if (!folder) return undefined;
    try {
      await vscode.workspace.fs.stat(vscode.Uri.file(folder));
      return folder;
    } catch {
      void vscode.window.showWarningMessage(`The worktree of "${id}" is gone (deleted by hand?). Its branch baton/${id} keeps the committed work; Restart Worker makes the worktree again.`);
      return undefined;
    }
  }
}

async function pickTask(
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
    void vscode.window.showInformationMessage('No task fits: see the Tasks view for what each task is waiting on.');
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(
    tasks.map((t) => ({ label: t.title || t.id, description: t.id, detail: stateLabel(states.get(t.id) ?? 'blocked'), id: t.id })),
    { title, matchOnDescription: true },
  );
  return chosen?.id;
}
