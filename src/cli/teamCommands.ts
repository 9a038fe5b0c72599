// `baton team start`, `baton request …`, `baton sessions`, `baton attach`: a team that plans, workers that ask
// for workers, and a lead's view of every session.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import writeFileAtomic from 'write-file-atomic';
import { DEFAULT_PERMISSIONS, findProfile } from '../core/agents/profiles';
import { isMarkdownPlan } from '../core/plan/parse';
import { BatonLayout } from '../core/run/layout';
import { approvalText, createRequest, findRequest, listRequests, recordDecision, RequestError, type WorkerRequest } from '../core/run/requests';
import { listSessions } from '../core/run/sessions';
import { LIVE_STATES, type TaskState } from '../core/run/states';
import { currentBranch } from '../core/git/baseBranch';
import { draftReady, handToArchitect, readProposal, readTeam, startTeam, TEAM_TASK_ID, teamPlanFile, teamStartRefusal, type Team } from '../core/run/teamPlan';
import { formatDiagnostic, loadPlan, UsageError, type Output } from './planCommands';
import { agentsFromEnv, currentStates, launchHeadless, openSession, repositoryRoot } from './workerCommands';
import { LaunchRefused } from '../core/run/launch';

const TEAM_USAGE = 'team takes: baton team start "goal" [--plan PLAN]   a manager and an architect write the plan for the goal';

/**
 * `baton team start "goal"`: the manager drafts the plan in the planning task's worktree, then the
 * architect finishes it there (teamPlan.ts); both run here, one after the other. The plan is then
 * reviewed and approved like any task: `baton review team-plan`, `baton approve team-plan`.
 */
export async function teamCommand(args: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { plan: { type: 'string' } } });
  const [what, ...rest] = positionals;
  if (what !== 'start') throw new UsageError(TEAM_USAGE);
  if (process.env.BATON_TASK_ID) throw new UsageError('a worker cannot start a team; ask for more hands with: baton request <persona> <name> "what and why"');
  const planFile = values.plan ?? 'baton.yaml';
  if (isMarkdownPlan(planFile)) throw new UsageError('a team writes a YAML plan; pass a .yaml file with --plan, or leave it out for baton.yaml.');
  const root = repositoryRoot(planFile);
  const layout = new BatonLayout(root);
  let planTasks: Map<string, TaskState> | undefined;
  let planErrors = 0;
  let base: string | undefined;
  if (existsSync(planFile)) {
    const s = openSession(planFile, true);
    planTasks = currentStates(s).states;
    planErrors = s.errors.length;
    base = s.errors.length ? undefined : s.plan.base;
  }
  const refusal = teamStartRefusal(rest.join(' '), planFile, planTasks, planErrors, readTeam(layout), teamState(layout), existsSync(layout.worktree(TEAM_TASK_ID)));
  if (refusal) {
    io.err(`baton: ${refusal}`);
    return 1;
  }
  base ??= await currentBranch(root);
  if (!base) throw new UsageError('the repository has no branch checked out: check out the branch the plan\'s work should merge into, then start the team.');
  const team = startTeam(layout, { goal: rest.join(' '), planFile: relative(root, resolve(planFile)), base });
  io.out(`A team is planning "${team.goal}". The manager drafts ${team.planFile} in ${layout.worktree(TEAM_TASK_ID)} (branch baton/${TEAM_TASK_ID}); then the architect finishes it.`);
  try {
    let code = await runTeamWorker(layout, 'manager', io);
    if (code === 0 && draftReady(readTeam(layout), teamState(layout), readProposal(layout, team)) && handToArchitect(layout)) {
      code = await runTeamWorker(layout, 'architect', io);
    }
    return reportProposal(layout, team, io) && code === 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof LaunchRefused) {
      io.err(`baton: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** The planning task's state, read through its own plan; undefined before any team started. */
export function teamState(layout: BatonLayout): TaskState | undefined {
  if (!existsSync(teamPlanFile(layout))) return undefined;
  return currentStates(openSession(teamPlanFile(layout), true)).states.get(TEAM_TASK_ID);
}

async function runTeamWorker(layout: BatonLayout, role: Team['phase'], io: Output): Promise<number> {
  const s = openSession(teamPlanFile(layout));
  io.out(`${role === 'manager' ? 'Manager' : 'Architect'} at work; its output goes to ${s.layout.output(TEAM_TASK_ID)}.`);
  const launched = await launchHeadless(s, TEAM_TASK_ID, currentStates(s).states);
  return launched.exit;
}

/** Says what the team proposes and how to accept it; false when there is nothing to review. */
function reportProposal(layout: BatonLayout, team: Team, io: Output): boolean {
  const state = teamState(layout);
  const proposal = readProposal(layout, team);
  if (!proposal) {
    io.err(`baton: the team wrote no ${team.planFile} (${TEAM_TASK_ID}: ${state}). See ${layout.output(TEAM_TASK_ID)}; start again with baton team start after baton discard ${TEAM_TASK_ID}.`);
    return false;
  }
  const errors = proposal.diagnostics.filter((d) => d.severity === 'error');
  io.out(`The team proposes ${proposal.plan.tasks.length} task${proposal.plan.tasks.length === 1 ? '' : 's'} in ${proposal.path} (${TEAM_TASK_ID}: ${state}).`);
  for (const d of errors) io.err(formatDiagnostic(d));
  io.out(
    errors.length
      ? `It has ${errors.length} error${errors.length === 1 ? '' : 's'}: ask for changes with baton changes ${TEAM_TASK_ID} "fix the errors", or discard it.`
      : `Review it with baton review ${TEAM_TASK_ID}; accept it with baton approve ${TEAM_TASK_ID}, and its tasks become ready.`,
  );
  return state === 'review' || state === 'idle';
}

/**
 * `baton status` with no plan file yet while a team writes it: the team's own plan (its one task), so the
 * person sees the planning worker rather than "no such file".
 */
export function planForStatus(planFile: string, named: boolean): string {
  if (named || existsSync(planFile)) return planFile;
  let root: string;
  try {
    root = repositoryRoot(planFile);
  } catch {
    return planFile;
  }
  const layout = new BatonLayout(root);
  return readTeam(layout) && existsSync(teamPlanFile(layout)) && teamState(layout) !== 'approved' ? teamPlanFile(layout) : planFile;
}

/**
 * The plan a task id belongs to: the planning task \`team-plan\` is in the team's own plan (unless the
 * person's plan has a task of that name, or a plan was named with --plan).
 */
export function planForTask(planFile: string, named: boolean, taskId: string): string {
  if (named || taskId !== TEAM_TASK_ID) return planFile;
  let root: string;
  try {
    root = repositoryRoot(planFile);
  } catch {
    return planFile;
  }
  const teamPlan = teamPlanFile(new BatonLayout(root));
  if (!existsSync(teamPlan)) return planFile;
  if (existsSync(planFile) && loadPlan(planFile).plan.tasks.some((t) => t.id === taskId)) return planFile;
  return teamPlan;
}

const REQUEST_USAGE = `request takes:
  baton request <persona> <name> "what and why" [--deps a,b] [--files glob,glob]   ask for another worker
  baton request list [--json]
  baton request approve <request>
  baton request decline <request> "why"`;

/** Inside a worker `.baton/` is at BATON_ROOT; for the person, at the root of the repository holding the plan. */
function layoutFor(planFile: string): BatonLayout {
  return new BatonLayout(process.env.BATON_ROOT || repositoryRoot(planFile));
}

function planTaskIds(planFile: string): Set<string> {
  if (!existsSync(planFile)) return new Set();
  return new Set(loadPlan(planFile).plan.tasks.map((t) => t.id));
}

export async function requestCommand(args: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, plan: { type: 'string' }, deps: { type: 'string' }, files: { type: 'string' } },
  });
  const planFile = values.plan ?? 'baton.yaml';
  const [what, ...rest] = positionals;
  // Deciding is the person's part: a worker (its environment names its task) may only ask.
  if ((what === 'approve' || what === 'decline') && process.env.BATON_TASK_ID) {
    throw new UsageError(`a worker cannot ${what} requests; the person does. Ask with: baton request <persona> <name> "what and why"`);
  }
  try {
    switch (what) {
      case 'list':
        return listCommand(planFile, values.json, io);
      case 'approve':
        if (rest.length !== 1) throw new UsageError('request approve takes one request: baton request approve <request>');
        return approveCommand(planFile, rest[0], io);
      case 'decline': {
        const reason = rest.slice(1).join(' ').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
        if (!rest[0] || !reason) throw new UsageError('request decline takes a request and why: baton request decline <request> "why"');
        return declineCommand(planFile, rest[0], reason, io);
      }
      case undefined:
        throw new UsageError(REQUEST_USAGE);
      default: {
        if (rest.length < 2) throw new UsageError(REQUEST_USAGE);
        const split = (v?: string) => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
        const layout = layoutFor(planFile);
        const folder = createRequest(layout, {
          persona: what,
          name: rest[0],
          instructions: rest.slice(1).join(' '),
          from: process.env.BATON_TASK_ID || undefined,
          deps: split(values.deps),
          files: split(values.files),
        });
        io.out(`Requested: .baton/requests/${folder}/instructions.md. The person approves or declines it; carry on with your own task meanwhile.`);
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof RequestError) {
      io.err(`baton: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

function listCommand(planFile: string, json: boolean, io: Output): number {
  const requests = listRequests(layoutFor(planFile), planTaskIds(planFile));
  if (json) {
    io.out(JSON.stringify(requests));
    return 0;
  }
  if (!requests.length) io.out('No requests.');
  for (const r of requests) {
    const who = r.from ? `from ${r.from}` : 'from the person';
    io.out(`${r.folder}  ${r.status}  ${who}${r.at ? `  ${r.at}` : ''}${r.title ? `\n    ${r.title}` : ''}`);
    for (const p of r.problems) io.out(`    problem: ${p}`);
  }
  return 0;
}

function approveCommand(planFile: string, key: string, io: Output): number {
  if (isMarkdownPlan(planFile)) throw new UsageError('request approve adds a task to a YAML plan; add it to a Markdown plan by hand.');
  const layout = layoutFor(planFile);
  const parsed = loadPlan(planFile);
  const r = findRequest(listRequests(layout, new Set(parsed.plan.tasks.map((t) => t.id))), key);
  const requester = r.from ? parsed.plan.tasks.find((t) => t.id === r.from) : undefined;
  const { text, task } = approvalText(readFileSync(planFile, 'utf8'), planFile, r, requester?.title);
  writeFileAtomic.sync(planFile, text);
  recordDecision(layout, r, { decision: 'approved', task: task.id });
  io.out(`Approved ${r.folder}: task "${task.id}" (${r.persona}) is in ${planFile}. It starts when ready: baton start ${task.id}, or baton run.`);
  return 0;
}

function declineCommand(planFile: string, key: string, reason: string, io: Output): number {
  const layout = layoutFor(planFile);
  const r: WorkerRequest = findRequest(listRequests(layout, planTaskIds(planFile)), key);
  if (r.status !== 'pending') throw new RequestError(`${r.folder} was already ${r.status}.`);
  recordDecision(layout, r, { decision: 'declined', reason });
  io.out(`Declined ${r.folder}.${r.from ? ` ${r.from} is told in its run folder (and in its terminal, when the extension has it open).` : ''}`);
  return 0;
}

export async function sessionsCommand(args: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, filter: { type: 'string' }, plan: { type: 'string' } },
  });
  const s = openSession(positionals[0] ?? values.plan ?? 'baton.yaml');
  const rows = listSessions(s.plan, s.layout, currentStates(s).states).filter((r) => !values.filter || r.persona === values.filter);
  if (values.json) {
    io.out(JSON.stringify(rows.map((r) => ({ ...r, worktree: r.worktree ?? null, terminal: r.terminal ?? null, session: r.session ?? null }))));
    return 0;
  }
  if (!rows.length) io.out(values.filter ? `No workers with persona "${values.filter}".` : 'No workers yet.');
  const w = Math.max(4, ...rows.map((r) => r.task.length));
  for (const r of rows) {
    io.out(`${r.task.padEnd(w)}  ${r.persona.padEnd(10)} ${r.state.padEnd(14)} ${r.session ?? '-'}  ${r.terminal ?? '(headless)'}  ${r.worktree ?? ''}`);
  }
  return 0;
}

/** `baton attach <task> [-- claude args]`: the worker's Claude Code conversation, resumed in this terminal. */
export async function attachCommand(args: string[], io: Output): Promise<number> {
  const split = args.indexOf('--');
  const own = split === -1 ? args : args.slice(0, split);
  const extra = split === -1 ? [] : args.slice(split + 1);
  const { values, positionals } = parseArgs({ args: own, allowPositionals: true, options: { plan: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('attach takes one task id: baton attach <task>  (baton sessions lists them)');
  const s = openSession(values.plan ?? 'baton.yaml');
  const { states } = currentStates(s);
  const row = listSessions(s.plan, s.layout, states).find((r) => r.task === positionals[0]);
  if (!row) throw new UsageError(`"${positionals[0]}" has had no worker. baton sessions lists the workers.`);
  if (LIVE_STATES.has(row.state)) {
    throw new UsageError(
      `"${row.task}" is still running (${row.state})${row.terminal ? ` in the terminal "${row.terminal}"` : ''}. Attach there, or stop it first: baton stop ${row.task}`,
    );
  }
  if (!row.session) throw new UsageError(`no Claude Code session is recorded for "${row.task}" (its hooks never reported one).`);
  if (!row.worktree) throw new UsageError(`the worktree of "${row.task}" is gone; its conversation cannot be resumed there.`);
  const task = s.plan.tasks.find((t) => t.id === row.task)!;
  const profile = findProfile(task.agent ?? s.plan.defaults.agent, agentsFromEnv());
  if (!profile.claudeHooks) throw new UsageError(`attach resumes Claude Code conversations; "${row.task}" runs ${profile.command}.`);
  const settings = s.layout.settings(row.task);
  // The same hooks as at launch, so status keeps following the conversation; an argument array, no shell.
  const claudeArgs = [
    '--resume',
    row.session,
    ...(existsSync(settings) ? ['--settings', settings] : []),
    '--permission-mode',
    process.env.BATON_PERMISSION_MODE || DEFAULT_PERMISSIONS.mode,
    ...extra,
  ];
  const child = spawn(profile.command, claudeArgs, {
    cwd: row.worktree,
    stdio: 'inherit',
    env: { ...process.env, BATON_TASK_ID: row.task, BATON_ROOT: s.layout.root, BATON_BASE: s.plan.base, PATH: `${join(s.layout.dir, 'bin')}:${process.env.PATH ?? ''}` },
  });
  return new Promise((done) => {
    child.once('error', (e) => {
      io.err(`baton: could not run ${profile.command}: ${e.message}`);
      done(1);
    });
    child.once('exit', (code) => done(code ?? 1));
  });
}
