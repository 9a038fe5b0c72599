// Start Team: a goal becomes a planning task. The team's own small plan (one task, `team-plan`) lives in
// `.baton/team/`, out of git; its worker writes the real plan file in its worktree, on its own branch, and
// the person accepts it through the normal review and approval, which merges it into the base.
//
// Manager and architect share one worktree, one after the other: the manager drafts the plan (the tasks,
// their order, estimates, personas); when its turn ends with a draft, Baton starts the architect on the
// same worktree and branch to check the draft's seams (files each task owns, gates, conflicts) and finish
// it. One branch, one review: the person sees the plan both wrote.
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { lockSync } from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { stringify } from 'yaml';
import type { ParseResult } from '../plan/model';
import { parsePlan } from '../plan/parse';
import { archiveDir } from './archive';
import { appendEvent } from './events';
import type { BatonLayout } from './layout';
import { LIVE_STATES, type TaskState } from './states';

/** The planning task's id: its branch is `baton/team-plan`, its worktree `.baton/worktrees/team-plan`. */
export const TEAM_TASK_ID = 'team-plan';

export type TeamPhase = 'manager' | 'architect';

export interface Team {
  goal: string;
  /** The plan file the team writes, relative to the repository root (as the person's plan is found). */
  planFile: string;
  base: string;
  phase: TeamPhase;
  startedAt: string;
}

export class TeamRefused extends Error {}

export function teamDir(layout: BatonLayout): string {
  return join(layout.dir, 'team');
}
/** The team's own plan: one task, `team-plan`. The commands that take a task id read it for that task. */
export function teamPlanFile(layout: BatonLayout): string {
  return join(teamDir(layout), 'plan.yaml');
}
function teamFile(layout: BatonLayout): string {
  return join(teamDir(layout), 'team.json');
}

export function readTeam(layout: BatonLayout): Team | undefined {
  try {
    const t = JSON.parse(readFileSync(teamFile(layout), 'utf8')) as Partial<Team>;
    if (typeof t.goal !== 'string' || typeof t.planFile !== 'string' || typeof t.base !== 'string') return undefined;
    return { goal: t.goal, planFile: t.planFile, base: t.base, phase: t.phase === 'architect' ? 'architect' : 'manager', startedAt: String(t.startedAt ?? '') };
  } catch {
    return undefined;
  }
}

/** A goal as the person typed it, made safe to sit in a prompt and a title: one paragraph, no control characters. */
export function cleanGoal(goal: string): string {
  return goal.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, 4000);
}

/**
 * Why a team cannot start now, or undefined. `planTasks` are the current plan's tasks with their states
 * (none when there is no plan); `teamState` is the planning task's state when it has run before.
 */
export function teamStartRefusal(goal: string, planFile: string, planTasks: ReadonlyMap<string, TaskState> | undefined, planErrors: number, team: Team | undefined, teamState: TaskState | undefined, teamWorktree: boolean): string | undefined {
  if (!cleanGoal(goal)) return 'Say what the team should plan for: a goal in a sentence or two, e.g. "a contact form that emails the team".';
  if (team && teamState !== 'approved' && (teamWorktree || (teamState !== undefined && LIVE_STATES.has(teamState)))) {
    return `A team is already planning "${oneLine(team.goal)}" (${TEAM_TASK_ID}: ${(teamState ?? 'ready').replace('_', ' ')}). Review and approve its plan, or discard ${TEAM_TASK_ID} to start again.`;
  }
  if (planErrors > 0 && planTasks) return `${planFile} has errors. Fix them, or finish its tasks, before a team writes a new plan.`;
  const unfinished = [...(planTasks ?? [])].filter(([, s]) => s !== 'approved').map(([id]) => id);
  if (unfinished.length) {
    const shown = unfinished.slice(0, 5).join(', ') + (unfinished.length > 5 ? ` and ${unfinished.length - 5} more` : '');
    return `${planFile} has ${unfinished.length} unfinished task${unfinished.length === 1 ? '' : 's'} (${shown}). A team writes a new plan only when there is none, or when every task of the current one is approved.`;
  }
  return undefined;
}

/** The goal on one line, cut to 80 characters: for titles, the tree and the graph. */
export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

/**
 * Writes the team's plan for `goal` (phase manager). A previous team's finished run folder moves to the
 * archive first, so the new planning task starts fresh; nothing of it is deleted.
 */
export function startTeam(layout: BatonLayout, o: { goal: string; planFile: string; base: string; now?: Date }): Team {
  const now = o.now ?? new Date();
  layout.ensureBatonDir();
  const previous = layout.runDir(TEAM_TASK_ID);
  if (existsSync(previous)) {
    const dest = join(archiveDir(layout), `team-plan-${now.toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(dest, { recursive: true });
    renameSync(previous, join(dest, TEAM_TASK_ID));
    for (const f of ['team.json', 'plan.yaml']) if (existsSync(join(teamDir(layout), f))) renameSync(join(teamDir(layout), f), join(dest, f));
  }
  const team: Team = { goal: cleanGoal(o.goal), planFile: o.planFile, base: o.base, phase: 'manager', startedAt: now.toISOString() };
  writeTeam(layout, team);
  return team;
}

/** After the manager's draft: the architect takes the same worktree. False when it already has. */
export function handToArchitect(layout: BatonLayout): boolean {
  // Two windows (or a window and `baton team`) can see the draft at the same moment: only the one that holds
  // the team file's lock hands over; the other finds it taken, or done.
  let release: () => void;
  try {
    release = lockSync(teamFile(layout), { realpath: false, stale: 10_000 });
  } catch {
    return false;
  }
  try {
    const team = readTeam(layout);
    if (!team || team.phase === 'architect') return false;
    writeTeam(layout, { ...team, phase: 'architect' });
    layout.ensureRunDir(TEAM_TASK_ID);
    appendEvent(layout.events(TEAM_TASK_ID), { type: 'team:architect', at: new Date().toISOString() });
    return true;
  } finally {
    release();
  }
}

function writeTeam(layout: BatonLayout, team: Team): void {
  mkdirSync(teamDir(layout), { recursive: true });
  writeFileAtomic.sync(teamFile(layout), JSON.stringify(team, null, 2) + '\n');
  writeFileAtomic.sync(teamPlanFile(layout), teamPlanText(team));
}

/** The team's own plan: one task whose persona is the phase's role and whose description is its job. */
export function teamPlanText(team: Team): string {
  const doc = {
    version: 1,
    name: `Team plan: ${oneLine(team.goal)}`,
    base: team.base,
    defaults: { agent: 'claude', heartbeatTimeout: '120s', maxWorkers: 1, gates: [] },
    tasks: [
      {
        id: TEAM_TASK_ID,
        title: `Plan: ${oneLine(team.goal)}`,
        persona: team.phase,
        estimate: '30m',
        files: [team.planFile, 'docs/**'],
        description: team.phase === 'manager' ? managerJob(team) : architectJob(team),
      },
    ],
  };
  return `# Written by Baton for "Start Team"; the plan the team proposes is ${team.planFile} in its worktree.\n${stringify(doc, { lineWidth: 0 })}`;
}

const PLAN_FORMAT = (file: string) =>
  [
    `The plan is \`${file}\` at the root of this worktree, in Baton's format:`,
    '',
    '    version: 1',
    '    name: <a short name>',
    '    base: <the branch work merges into>',
    '    defaults: { gates: ["<the command that tests the project>"] }',
    '    tasks:',
    '      - id: <a-z 0-9 . _ ->',
    '        title: <what it is>',
    '        description: <what a worker must do, on its own, to finish it>',
    '        deps: [<ids that must be done first>]',
    '        files: [<globs of the files it will touch>]',
    '        estimate: <30m, 2h, 1d>',
    '        persona: <engineer, intern, architect, reviewer>',
    '        gates: [<commands that must pass before it is approved>]',
  ].join('\n');

function managerJob(team: Team): string {
  return [
    `The person's goal: ${team.goal}`,
    '',
    `You are the manager of a new team. Turn this goal into a plan the team can run: write \`${team.planFile}\`. Split the work into tasks a worker can finish in a few hours each, give each task the tasks it depends on, the files it expects to touch, an estimate and a persona. Keep tasks that may run at the same time out of each other's files.`,
    '',
    PLAN_FORMAT(team.planFile),
    '',
    `Check it with \`baton validate ${team.planFile}\` and \`baton analyze ${team.planFile}\`, and fix every error they print. Then commit it (\`git add ${team.planFile}\`, \`git commit\`). Do not write the product code: the plan is your work.`,
    '',
    'When your draft is committed, an architect takes this worktree over to check how the pieces fit and finish the plan; then the person reviews it.',
  ].join('\n');
}

function architectJob(team: Team): string {
  return [
    `The person's goal: ${team.goal}`,
    '',
    `The manager has drafted \`${team.planFile}\` in this worktree (see \`git log\`). You are the architect: read the draft and make it sound. Every task names the files it owns, and two tasks that may run at the same time do not share files (add a dependency where they must). Dependencies are real and the critical path is short. Each task has gates that prove it works. Descriptions say enough for a worker who reads nothing else. Where the design needs writing down, add a short document under \`docs/\` and name it in the tasks.`,
    '',
    PLAN_FORMAT(team.planFile),
    '',
    `Check the plan with \`baton validate ${team.planFile}\` and \`baton analyze ${team.planFile}\`; fix every error, and every file conflict the analysis lists. Commit your changes. The person then reviews the plan and approves it, and its tasks start.`,
  ].join('\n');
}

export interface Proposal extends ParseResult {
  /** The plan file in the team's worktree. */
  path: string;
  text: string;
}

/** The plan the team has written so far, read from its worktree; undefined before the file exists. */
export function readProposal(layout: BatonLayout, team: Team): Proposal | undefined {
  const path = join(layout.worktree(TEAM_TASK_ID), team.planFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  return { path, text, ...parsePlan(text, team.planFile) };
}

/** The team's own plan, parsed; undefined when no team was started. */
export function readTeamPlan(layout: BatonLayout): { text: string; parsed: ParseResult } | undefined {
  try {
    const text = readFileSync(teamPlanFile(layout), 'utf8');
    return { text, parsed: parsePlan(text, teamPlanFile(layout)) };
  } catch {
    return undefined;
  }
}

/** Whether the team's plan stands in for the person's: started, and its plan not approved yet. */
export function teamActive(team: Team | undefined, teamState: TaskState | undefined): boolean {
  return team !== undefined && teamState !== 'approved';
}

/** Whether the planning worker has just handed the manager's draft over: its turn ended with a plan written. */
export function draftReady(team: Team | undefined, state: TaskState | undefined, proposal: Proposal | undefined): boolean {
  return team?.phase === 'manager' && (state === 'review' || state === 'idle') && proposal !== undefined;
}

