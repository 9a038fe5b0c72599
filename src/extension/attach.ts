// "Attach to Worker": the worker's Claude Code conversation in a terminal, as `baton attach` gives it in a
// shell. A worker that is running is already in its terminal: that terminal comes to the front. Otherwise
// a new terminal resumes its session (`claude --resume <id>`) in its worktree, with the same hooks as at
// launch so the Tasks and Workers views keep following it. Launched from an argument array, never a shell.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { allowedRules, DEFAULT_PERMISSIONS, findProfile, type AgentProfile } from '../core/agents/profiles';
import { listSessions, terminalName, type SessionRow } from '../core/run/sessions';
import { pidAlive } from '../core/run/workerState';
import { personEnvironment } from '../core/run/workerEnv';
import type { PlanSource } from './planSource';
import { stateLabel } from './taskStateIcons';
import type { TaskNode } from './tasksTree';
import type { Workers } from './workers';
import type { WorkerNode } from './workersTree';
import { ensureTrusted } from './workspaceTrust';

export function registerAttach(context: vscode.ExtensionContext, workers: Workers, planSource: PlanSource): void {
  const sessions = (): SessionRow[] => {
    const snapshot = planSource.current;
    const layout = workers.runLayout;
    return snapshot && layout ? listSessions(snapshot.plan, layout, workers.taskStates(snapshot)) : [];
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('baton.attachToWorker', async (target?: TaskNode | WorkerNode | string) => {
      const rows = sessions();
      const id =
        typeof target === 'string' ? target : target?.kind === 'task' ? target.task.id : target?.kind === 'worker' ? target.taskId : await pickSession(rows, planSource);
      if (!id) return undefined;
      const row = rows.find((r) => r.task === id);
      if (!row) {
        void vscode.window.showWarningMessage(vscode.l10n.t('"{0}" has had no worker yet: start one first.', id));
        return undefined;
      }
      // Its process still runs (working, or at its prompt in review): the conversation is live in its own
      // terminal, and a second client on the same session would fight over it.
      const record = workers.records.get(id);
      const live = record?.view.pid !== undefined && record.view.exitCode === undefined && pidAlive(record.view.pid);
      const existing = workers.terminal(id);
      if (live) {
        if (existing) {
          existing.show();
          return 'focused';
        }
        void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" is running headless (baton run or baton start): stop it first to attach here, or follow it with baton status --watch.', id));
        return undefined;
      }
      if (!ensureTrusted(vscode.l10n.t('attach to workers'))) return undefined;
      if (!row.session) {
        void vscode.window.showWarningMessage(vscode.l10n.t('No Claude Code session is recorded for "{0}" (its hooks never reported one), so there is no conversation to resume.', id));
        return undefined;
      }
      if (!row.worktree) {
        void vscode.window.showWarningMessage(vscode.l10n.t('The worktree of "{0}" is gone (approved and cleaned up, or discarded): its conversation cannot be resumed there.', id));
        return undefined;
      }
      const layout = workers.runLayout!;
      const plan = planSource.current!.plan;
      const task = plan.tasks.find((t) => t.id === id)!;
      const config = vscode.workspace.getConfiguration('baton');
      let profile: AgentProfile;
      try {
        profile = findProfile(task.agent ?? plan.defaults.agent, config.get<Record<string, Partial<AgentProfile>>>('agents', {}));
      } catch (e) {
        void vscode.window.showWarningMessage((e as Error).message);
        return undefined;
      }
      if (!profile.claudeHooks) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Attach resumes Claude Code conversations; "{0}" runs {1}.', id, profile.command));
        return undefined;
      }
      const settings = layout.settings(id);
      const args = [
        '--resume',
        row.session,
        ...(existsSync(settings) ? ['--settings', settings] : []),
        '--permission-mode',
        config.get<string>('claude.permissionMode', DEFAULT_PERMISSIONS.mode),
        '--allowedTools',
        ...new Set([...allowedRules(task.gates).rules, ...config.get<string[]>('claude.allowedTools', [])]),
      ];
      existing?.dispose(); // the finished worker's terminal: the resumed conversation takes its place
      const terminal = vscode.window.createTerminal({
        name: terminalName(id),
        shellPath: profile.command,
        shellArgs: args,
        cwd: row.worktree,
        env: {
          ...personEnvironment(process.env),
          BATON_TASK_ID: id,
          BATON_ROOT: layout.root,
          BATON_BASE: plan.base,
          PATH: `${join(layout.dir, 'bin')}:${process.env.PATH ?? ''}`,
        },
        strictEnv: true,
        iconPath: new vscode.ThemeIcon('robot'),
      });
      terminal.show();
      return 'resumed';
    }),
  );
}

async function pickSession(rows: SessionRow[], planSource: PlanSource): Promise<string | undefined> {
  if (!rows.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No worker has run yet: start one from a ready task.'));
    return undefined;
  }
  const titles = new Map(planSource.current?.plan.tasks.map((t) => [t.id, t.title]));
  const chosen = await vscode.window.showQuickPick(
    rows.map((r) => ({
      label: titles.get(r.task) || r.task,
      description: r.task,
      detail: `${r.persona} · ${stateLabel(r.state)} · ${r.session ? vscode.l10n.t('session {0}', r.session.slice(0, 8)) : vscode.l10n.t('no session recorded')}`,
      id: r.task,
    })),
    { title: vscode.l10n.t('Attach to which worker?'), matchOnDescription: true },
  );
  return chosen?.id;
}
