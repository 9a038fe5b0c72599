// Everything before a worker runs: checks, worktree, prompt, hook settings, and the supervisor command
// line. Shared by the extension (which runs it in a terminal) and `baton start` / `baton run`.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import writeFileAtomic from 'write-file-atomic';
import { claudeHookSettings, shellQuote } from '../agents/claudeSettings';
import { launchArgs, type AgentProfile, type PermissionChoice } from '../agents/profiles';
import { workerPrompt } from '../agents/prompt';
import { PersonaError, personaOf, readPersona, type Persona } from '../agents/personas';
import { claudeSandboxSettings, sandboxed, sandboxedPermissions, sandboxTools, type PersonSandbox } from '../agents/sandbox';
import { readNotes, readSharedContext } from '../agents/sharedContext';
import { ensureWorktree } from '../git/worktrees';
import { worktreeGitEnv } from '../git/worktreeGit';
import { requestsDir } from './requests';
import type { Analysis } from '../graph/analysis';
import type { Plan, Task } from '../plan/model';
import { appendEvent } from './events';
import { OWN_ENV_VARIABLE } from './workerEnv';
import { updateHeartbeat } from './heartbeat';
import { LAUNCH_ENV, launchTag, newLaunchId, readLaunch, recordLaunch } from './launches';
import { pidAlive, workerState } from './workerState';
import { branchName, type BatonLayout } from './layout';
import type { TaskState } from './states';
import { LIVE_STATES } from './states';

/** Stands for the prompt in the agent's arguments until the supervisor reads it from prompt.md. */
export const PROMPT_PLACEHOLDER = '{prompt}';

export interface LaunchRequest {
  layout: BatonLayout;
  plan: Plan;
  analysis: Analysis;
  taskId: string;
  /** Current state of every task (planStates with workers), to refuse what cannot start. */
  states: ReadonlyMap<string, TaskState>;
  profile: AgentProfile;
  permissions: PermissionChoice;
  /** The person's sandbox choice (user settings or BATON_SANDBOX); the plan can only add to it (sandbox.ts). */
  sandbox?: PersonSandbox;
  headless: boolean;
  /** How to run Baton's own CLI, e.g. [process.execPath, '/path/to/dist/cli.js']. */
  batonCommand: string[];
  /** Extra environment for Baton's own CLI process only, never the agent's (ELECTRON_RUN_AS_NODE inside VS Code). */
  batonEnv?: Record<string, string>;
  checkpointMinutes?: number;
  /** Said to the worker after the task's own prompt, e.g. "rebase onto the moved base" after a conflict. */
  addendum?: string;
  /** The plan's notes from approved work (approvalNotes.ts), put into the prompt when the file exists. */
  notesFile?: string;
  /** Where the built-in persona templates are; found next to the bundle when not given. */
  personasDir?: string;
  /**
   * Starts the worker again on its existing worktree with a message from the person (changes requested,
   * rebase asked): it resumes the same Claude Code conversation when its session id is known, and is
   * otherwise given the task prompt followed by the message.
   */
  followUp?: { message: string; session?: string };
}

export interface PreparedLaunch {
  /** The supervisor's command line: run it without a shell. */
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  worktree: string;
  createdWorktree: boolean;
  /** This launch's id (launches.ts). */
  launchId: string;
  /** Whether the worker's commands run in Claude Code's sandbox. */
  sandboxed: boolean;
}

export class LaunchRefused extends Error {}

/** Throws LaunchRefused, saying why, when the task cannot start from these states; returns the task. */
export function checkStartable(plan: Plan, taskId: string, states: ReadonlyMap<string, TaskState>): Task {
  const task = plan.tasks.find((t) => t.id === taskId);
  if (!task) throw new LaunchRefused(`There is no task "${taskId}" in the plan.`);
  const state = states.get(task.id);
  if (state === 'blocked') {
    const waiting = task.deps.filter((d) => states.get(d) !== 'approved');
    throw new LaunchRefused(`"${task.id}" cannot start yet: it waits for ${waiting.map((d) => `"${d}"`).join(', ')} to be approved.`);
  }
  if (state && LIVE_STATES.has(state)) throw new LaunchRefused(`"${task.id}" already has a worker (${state.replace('_', ' ')}).`);
  if (state === 'approved') throw new LaunchRefused(`"${task.id}" is already approved.`);
  if (state === 'queued') throw new LaunchRefused(`"${task.id}" is approved and waiting in the merge queue.`);
  return task;
}

export async function prepareLaunch(r: LaunchRequest): Promise<PreparedLaunch> {
  const task = checkStartable(r.plan, r.taskId, r.states);
  const { layout } = r;
  // Before anything is claimed or created: an unknown persona is a plan problem the person fixes first.
  let persona;
  try {
    persona = readPersona(layout.root, personaOf(r.plan, task), r.personasDir);
  } catch (e) {
    if (e instanceof PersonaError) throw new LaunchRefused(`"${task.id}" cannot start: ${e.message}`);
    throw e;
  }
  const contained = sandboxed(r.sandbox?.mode, r.plan, task);
  if (contained) {
    // Said before anything starts: a worker asked to be contained never runs uncontained.
    if (!r.profile.claudeHooks) throw new LaunchRefused(`"${task.id}" is to run in the sandbox, which Baton sets up for Claude Code workers only; its worker profile runs ${r.profile.command}.`);
    const tools = sandboxTools();
    if (!tools.ok) throw new LaunchRefused(`"${task.id}" is to run in the sandbox, which cannot start here${tools.missing.length ? ` (${tools.missing.join(' and ')} missing)` : ''}. ${tools.install ?? ''}`.trim());
  }
  layout.ensureRunDir(task.id);
  const launchId = newLaunchId();
  await claimTask(layout, task.id, r.plan.defaults.heartbeatTimeout, launchId);
  try {
    return await prepareClaimed(r, task, launchId, persona, contained);
  } catch (e) {
    // Say so in the heartbeat, or the claim would sit at "starting" until it counted as stalled.
    const reason = (e as Error).message;
    await updateHeartbeat(layout.heartbeat(task.id), task.id, (c) => ({ ...c!, status: 'failed', reason, activity: `Failed: ${reason}`, exit_code: null, updated_at: new Date().toISOString() }));
    appendEvent(layout.events(task.id), { type: 'exit', at: new Date().toISOString(), code: null, status: 'failed', reason, ...launchTag(launchId) });
    throw e;
  }
}

async function prepareClaimed(r: LaunchRequest, task: Task, launchId: string, persona: Persona, contained: boolean): Promise<PreparedLaunch> {
  const { layout } = r;
  const worktree = layout.worktree(task.id);
  mkdirSync(join(worktree, '..'), { recursive: true });
  const { created } = await ensureWorktree(layout.root, task.id, r.plan.base, worktree);

  const running = [...r.states].filter(([, s]) => LIVE_STATES.has(s)).map(([id]) => id);
  // Atomic (never read half-written) but not fsynced: both are written anew at every launch.
  const session = r.profile.claudeHooks ? r.followUp?.session : undefined;
  const taskPrompt = () =>
    workerPrompt(r.plan, task, r.analysis, running, {
      persona,
      shared: { ...readSharedContext(layout.root, r.plan.context), notes: r.notesFile ? readNotes(r.notesFile, basename(r.notesFile)) : undefined },
    }) + (r.addendum ? `\n\n${r.addendum}\n` : '');
  const prompt = !r.followUp
    ? taskPrompt()
    : session
      ? r.followUp.message
      : `${taskPrompt()}\n## Your earlier work, and what the reviewer asks now\n\nYour branch already holds your earlier work on this task. The reviewer asks:\n\n${r.followUp.message}\n`;
  writeFileAtomic.sync(layout.prompt(task.id), prompt, { fsync: false });
  if (r.profile.claudeHooks) {
    const settings = {
      ...claudeHookSettings(r.batonCommand, r.batonEnv),
      ...(contained ? { sandbox: await sandboxSettings(layout, task.id, worktree, r.sandbox?.allowedDomains ?? []) } : {}),
    };
    writeFileAtomic.sync(layout.settings(task.id), JSON.stringify(settings, null, 2) + '\n', { fsync: false });
  }
  const binDir = writeBatonShim(layout, r.batonCommand, r.batonEnv ?? {});

  const agentArgs = launchArgs(
    r.profile,
    r.headless,
    { prompt: PROMPT_PLACEHOLDER, promptFile: layout.prompt(task.id), settingsFile: layout.settings(task.id), worktree, taskId: task.id },
    contained ? sandboxedPermissions(r.permissions) : r.permissions,
    task.gates,
    session,
  );
  const [command, ...cliArgs] = r.batonCommand;
  const args = [
    ...cliArgs,
    'supervise',
    task.id,
    '--root',
    layout.root,
    '--base',
    r.plan.base,
    ...(r.headless ? ['--headless'] : []),
    // Several beats per timeout, so one slow write never looks like a stall.
    ...(r.profile.claudeHooks
      ? ['--first-hook-within-ms', String(Math.max(1000, Math.min(20_000, Math.floor((r.plan.defaults.heartbeatTimeout * 1000) / 3))))]
      : []),
    '--liveness-ms',
    String(Math.max(200, Math.min(5000, Math.floor((r.plan.defaults.heartbeatTimeout * 1000) / 4)))),
    ...(r.checkpointMinutes ? ['--checkpoint-minutes', String(r.checkpointMinutes)] : []),
    '--',
    r.profile.command,
    ...agentArgs,
  ];
  appendEvent(layout.events(task.id), { type: 'prepare', at: new Date().toISOString(), worktree, createdWorktree: created, headless: r.headless, persona: persona.name, ...(contained ? { sandboxed: true } : {}), ...launchTag(launchId), ...(session ? { resume: session } : {}) });
  return {
    command,
    args,
    env: {
      ...(r.batonEnv ?? {}),
      // The supervisor keeps these for itself; the agent and its tools never see them (workerEnv.ts).
      ...(r.batonEnv && Object.keys(r.batonEnv).length ? { [OWN_ENV_VARIABLE]: Object.keys(r.batonEnv).join(',') } : {}),
      BATON_TASK_ID: task.id,
      BATON_ROOT: layout.root,
      BATON_BASE: r.plan.base,
      [LAUNCH_ENV]: launchId,
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
    },
    cwd: worktree,
    worktree,
    createdWorktree: created,
    launchId,
    sandboxed: contained,
  };
}

const execFileAsync = promisify(execFile);

async function sandboxSettings(layout: BatonLayout, taskId: string, worktree: string, allowedDomains: string[]): Promise<Record<string, unknown>> {
  const env = { ...process.env, ...worktreeGitEnv(layout.root, worktree) };
  const { stdout } = await execFileAsync('git', ['rev-parse', '--git-dir', '--git-common-dir'], { cwd: worktree, env });
  const [gitDir, gitCommonDir] = stdout.trim().split('\n').map((p) => resolve(worktree, p));
  // `baton request` writes there from inside the sandbox: it must exist to be allowed.
  mkdirSync(requestsDir(layout), { recursive: true });
  return claudeSandboxSettings(
    {
      worktree,
      gitDir,
      gitCommonDir,
      branch: branchName(taskId),
      runDir: layout.runDir(taskId),
      requestsDir: requestsDir(layout),
      protectedFiles: [layout.settings(taskId), layout.prompt(taskId), layout.launch(taskId)],
    },
    allowedDomains,
  );
}

/**
 * Two windows (or a window and `baton run`) may try to start the same task at once: under the heartbeat's
 * lock, the first writes a `starting` heartbeat and the second finds it and is refused.
 */
async function claimTask(layout: BatonLayout, taskId: string, timeoutSeconds: number, launchId: string): Promise<void> {
  let refused: string | undefined;
  await updateHeartbeat(layout.heartbeat(taskId), taskId, (current) => {
    const now = new Date();
    if (current) {
      // The supervisor's own record first: a worker's heartbeat may leave its pid out or name another.
      const pid = readLaunch(layout, taskId)?.pid ?? current.pid;
      const view = workerState({ ...current, pid }, undefined, { now, timeoutSeconds, isAlive: pidAlive });
      if (LIVE_STATES.has(view.state) && current.exit_code === undefined) {
        refused = `"${taskId}" already has a worker (${view.state.replace('_', ' ')}).`;
        return undefined;
      }
    }
    // From here on, writers of older launches leave the heartbeat alone (launches.ts).
    recordLaunch(layout, taskId, { launch_id: launchId, at: now.toISOString() });
    return { task_id: taskId, status: 'starting', activity: 'Preparing its worktree', updated_at: now.toISOString(), started_at: now.toISOString() };
  });
  if (refused) throw new LaunchRefused(refused);
}

/** `.baton/bin/baton`, so a worker can run `baton report blocked "…"` whatever its PATH holds. */
function writeBatonShim(layout: BatonLayout, batonCommand: string[], env: Record<string, string>): string {
  const dir = join(layout.dir, 'bin');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'baton');
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)} `).join('');
  writeFileSync(file, `#!/bin/sh\n${assignments ? `export ${assignments.trim()}\n` : ''}exec ${batonCommand.map(shellQuote).join(' ')} "$@"\n`);
  chmodSync(file, 0o755);
  return dir;
}
