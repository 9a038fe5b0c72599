// Start Team: asks for a goal, then a manager (and after its draft, an architect) writes the plan in the
// planning task's own worktree (core/run/teamPlan.ts). While they work, the team's plan stands in for the
// plan file (PlanSource's overlay), so the Tasks view and the graph show the planning task with its worker
// and, below it, the proposal as it is written; Review Task and Approve Task accept it like any work.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import * as vscode from 'vscode';
import { analyzePlan, type Analysis } from '../core/graph/analysis';
import { currentBranch } from '../core/git/baseBranch';
import { LaunchRefused } from '../core/run/launch';
import {
  cleanGoal,
  draftReady,
  handToArchitect,
  oneLine,
  readProposal,
  readTeam,
  readTeamPlan,
  startTeam,
  TEAM_TASK_ID,
  teamActive,
  teamPlanFile,
  teamStartRefusal,
} from '../core/run/teamPlan';
import type { Plan } from '../core/plan/model';
import type { PlanSource, TeamOverlay } from './planSource';
import type { Workers } from './workers';
import { ensureTrusted } from './workspaceTrust';

export function registerTeam(context: vscode.ExtensionContext, planSource: PlanSource, workers: Workers, log: vscode.LogOutputChannel): void {
  const state = () => workers.records.get(TEAM_TASK_ID)?.view.state;
  planSource.setTeamOverlay((): TeamOverlay | undefined => {
    const layout = workers.batonLayout;
    if (!layout || workers.worktreeWindow) return undefined;
    const team = readTeam(layout);
    const own = readTeamPlan(layout);
    if (!team || !own || !teamActive(team, state())) return undefined;
    const proposal = readProposal(layout, team);
    return {
      uri: vscode.Uri.file(teamPlanFile(layout)),
      text: own.text,
      team: {
        goal: oneLine(team.goal),
        phase: team.phase,
        proposal: proposal && {
          uri: vscode.Uri.file(proposal.path),
          label: vscode.l10n.t('{0} in {1}\'s worktree', team.planFile, TEAM_TASK_ID),
          plan: proposal.plan,
          diagnostics: proposal.diagnostics,
          analysis: analysed(proposal.plan, log),
        },
      },
    };
  });

  // The manager's turn ending with a draft is a hand-over, not work for the person yet: no "ready for review".
  workers.quiet = (task, s) => {
    const layout = workers.batonLayout;
    if (task !== TEAM_TASK_ID || !layout) return false;
    const team = readTeam(layout);
    return team !== undefined && draftReady(team, s, readProposal(layout, team));
  };

  /** What the overlay depends on: reloading the plan only when it changed keeps the tree and graph still. */
  let seen: string | undefined;
  const key = (): string => {
    const layout = workers.batonLayout;
    const team = layout && readTeam(layout);
    if (!layout || !team) return '';
    let text = '';
    try {
      text = readFileSync(`${layout.worktree(TEAM_TASK_ID)}/${team.planFile}`, 'utf8');
    } catch {
      // not written yet
    }
    return JSON.stringify([teamActive(team, state()), team.phase, team.startedAt, text]);
  };
  const follow = () => {
    const now = key();
    if (now === seen) return;
    const was = seen;
    seen = now;
    // Also when the team ends (its plan approved): the plan file, just merged, is the plan again.
    if (now || was) void planSource.reload();
  };

  let handing = false;
  const maybeHandOver = async () => {
    const layout = workers.batonLayout;
    if (handing || !layout || !vscode.workspace.isTrusted || workers.worktreeWindow) return;
    const team = readTeam(layout);
    if (!team || !draftReady(team, state(), readProposal(layout, team))) return;
    handing = true;
    try {
      if (!handToArchitect(layout)) return;
      log.info(`Team: the manager's draft of ${team.planFile} is committed; the architect takes the worktree over`);
      await planSource.reload();
      // Ends the manager's session (its work checkpointed) and starts the architect on the same worktree.
      await workers.restartWorker(TEAM_TASK_ID, false);
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('The architect could not start: {0} Start it with Restart Worker on "{1}".', (e as Error).message, TEAM_TASK_ID));
    } finally {
      handing = false;
    }
  };

  context.subscriptions.push(
    workers.onDidChange(() => {
      follow();
      void maybeHandOver();
    }),
    vscode.commands.registerCommand('baton.startTeam', (goal?: unknown) => startTeamCommand(planSource, workers, log, typeof goal === 'string' ? goal : undefined)),
  );
}

function analysed(plan: Plan, log: vscode.LogOutputChannel): Analysis | undefined {
  try {
    return analyzePlan(plan);
  } catch (e) {
    log.error(`Analysis of the team's proposal failed: ${(e as Error).message}`);
    return undefined;
  }
}

/** Asks for the goal (unless given), checks a team may start, writes the team's plan and starts the manager. */
async function startTeamCommand(planSource: PlanSource, workers: Workers, log: vscode.LogOutputChannel, given?: string): Promise<boolean> {
  if (!ensureTrusted('start a team')) return false;
  const layout = workers.batonLayout;
  const planUri = planSource.planUri;
  if (!layout || !planUri) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Start Team needs a folder that is a git repository with at least one commit: the team works in its own git worktree.'));
    return false;
  }
  if (workers.worktreeWindow) {
    void vscode.window.showWarningMessage(vscode.l10n.t('This window is the worktree of task "{0}": start a team from the window of the repository.', workers.worktreeWindow.taskId));
    return false;
  }
  const planFile = relative(layout.root, planUri.fsPath);
  const refusal = (goal: string) => {
    const current = planSource.current && !planSource.current.team ? planSource.current : undefined;
    const errors = current?.diagnostics.filter((d) => d.severity === 'error').length ?? 0;
    const team = readTeam(layout);
    return teamStartRefusal(goal, planFile, current && workers.taskStates(current), errors, team, workers.records.get(TEAM_TASK_ID)?.view.state, existsSync(layout.worktree(TEAM_TASK_ID)));
  };
  // Everything but the goal first: no question asked for a team that cannot start.
  const early = refusal('a goal');
  if (early) {
    void vscode.window.showWarningMessage(early);
    return false;
  }
  const goal =
    given ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Baton: Start Team'),
      prompt: vscode.l10n.t('What should the team plan for? A manager drafts {0}, an architect finishes it, and you review and approve it.', planFile),
      placeHolder: vscode.l10n.t('e.g. A contact form that emails the team'),
      ignoreFocusOut: true,
      validateInput: (v) => (cleanGoal(v) ? undefined : vscode.l10n.t('Say what the team should plan for, in a sentence or two.')),
    }));
  if (goal === undefined) return false;
  const late = refusal(goal);
  if (late) {
    void vscode.window.showWarningMessage(late);
    return false;
  }
  const current = planSource.current && !planSource.current.team ? planSource.current : undefined;
  const base = current?.plan.base ?? (await currentBranch(layout.root));
  if (!base) {
    void vscode.window.showErrorMessage(vscode.l10n.t('The repository has no branch checked out: check out the branch the plan\'s work should merge into, then start the team.'));
    return false;
  }
  const team = startTeam(layout, { goal, planFile, base });
  log.info(`Team: planning "${oneLine(team.goal)}" into ${planFile} on ${base}`);
  await planSource.reload();
  try {
    await workers.startWorker(TEAM_TASK_ID);
  } catch (e) {
    if (!(e instanceof LaunchRefused)) throw e;
    void vscode.window.showErrorMessage(vscode.l10n.t('The team\'s manager could not start: {0}', e.message));
    return false;
  }
  void vscode.commands.executeCommand('baton.tasks.focus');
  void vscode.window.showInformationMessage(
    vscode.l10n.t('A team is planning "{0}". The Tasks view and the graph show the plan as it is written; review and approve {1} to make it the plan.', oneLine(team.goal), TEAM_TASK_ID),
  );
  return true;
}
