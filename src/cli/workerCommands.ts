// `baton supervise | hook | report | status | start | stop | run`: the worker side of the CLI.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { DEFAULT_PERMISSIONS, findProfile } from '../core/agents/profiles';
import { parseDomains, parseSandboxMode, type PersonSandbox } from '../core/agents/sandbox';
import { analyzePlan } from '../core/graph/analysis';
import type { Plan, PlanDiagnostic } from '../core/plan/model';
import { problemsByTask } from '../core/plan/needsFix';
import { appendEvent, readEvents } from '../core/run/events';
import { updateHeartbeat } from '../core/run/heartbeat';
import { HOOK_EVENTS, intakeHook, type HookEvent } from '../core/run/hookIntake';
import { LaunchRefused, PROMPT_PLACEHOLDER, prepareLaunch, type LaunchRequest } from '../core/run/launch';
import { isCurrentLaunch, LAUNCH_ENV, launchTag, readLaunch } from '../core/run/launches';
import { endRecorded } from '../core/run/processTree';
import { BatonLayout } from '../core/run/layout';
import { agentEnvironment } from '../core/run/workerEnv';
import { RunStore, RunWatcher, type WorkerRecord } from '../core/run/runStore';
import { conflictHolds, holdText } from '../core/run/scheduler';
import { ApprovalRefused } from '../core/run/approve';
import { RunController } from '../core/run/controller';
import { runGates, type GateResult } from '../core/run/gates';
import { QueueWriteError, readQueue, type MergeResult, type PlannedTask } from '../core/run/mergeQueue';
import { notesFileFor, recordApprovalNote } from '../core/run/approvalNotes';
import { runPreReview, type PreReview } from '../core/run/preReview';
import { readResult, updateResult } from '../core/run/result';
import { archiveIfComplete } from '../core/run/archive';
import { parsePrices } from '../core/run/usage';
import { listUncommitted } from '../core/git/worktrees';
import { cleanupAfterMerge, keepWorktreesFromEnv } from '../core/run/cleanup';
import { planStates, type TaskState } from '../core/run/states';
import { launchTaken, stopSupervisor, stopTaskSupervisor, supervise } from '../core/run/supervisor';
import { canStop, type WorkerView } from '../core/run/workerState';
import { formatDiagnostic, loadPlan, UsageError, type Output } from './planCommands';

/** How a worker (or a hook) runs this same CLI again. */
export function batonCommand(): string[] {
  return [process.execPath, realpathSync(process.argv[1])];
}

/**
 * `.baton/` lives at the root of the git repository that holds the plan. Inside one of Baton's own task
 * worktrees (`.baton/worktrees/<id>` of the main checkout) that is the main checkout's: the worktree's
 * own `.baton/`, which its worker can write, is never read as Baton's state (personas, queue, runs).
 */
export function repositoryRoot(planFile: string): string {
  const dir = dirname(resolve(planFile));
  const r = spawnSync('git', ['rev-parse', '--show-toplevel', '--path-format=absolute', '--git-common-dir'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new UsageError(`${planFile} is not inside a git repository: Baton gives each task a git worktree. Run "git init" first.`);
  const [top, common] = r.stdout.trim().split('\n');
  const main = common && basename(common) === '.git' ? dirname(common) : undefined;
  if (main && realOrSame(dirname(top)) === realOrSame(join(main, '.baton', 'worktrees'))) return main;
  return top;
}

function realOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

export interface Session {
  plan: Plan;
  layout: BatonLayout;
  store: RunStore;
  errors: PlanDiagnostic[];
}

/** `readOnly` (status): a plan with errors still shows its workers; anything that starts or stops refuses it. */
export function openSession(planFile: string, readOnly = false): Session {
  const parsed = loadPlan(planFile);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length && !readOnly) throw new UsageError(`the plan has errors; fix them first:\n${errors.map(formatDiagnostic).join('\n')}`);
  const layout = new BatonLayout(repositoryRoot(planFile));
  return { plan: parsed.plan, layout, store: new RunStore(layout, () => parsed.plan.defaults.heartbeatTimeout), errors };
}

export function currentStates(s: Session): { states: Map<string, TaskState>; workers: Map<string, WorkerView> } {
  const workers = new Map([...s.store.readAll()].filter(([id]) => s.plan.tasks.some((t) => t.id === id)).map(([id, r]) => [id, r.view]));
  const approved = new Set([...workers].filter(([, w]) => w.state === 'approved').map(([id]) => id));
  return { states: planStates(s.plan, approved, workers), workers };
}

// ---- inside a worker ---------------------------------------------------------------------------

export async function superviseCommand(args: string[], io: Output): Promise<number> {
  const split = args.indexOf('--');
  if (split === -1 || split === args.length - 1) throw new UsageError('supervise needs: <task-id> --root DIR --base BRANCH [--headless] -- COMMAND [ARGS...]');
  const own = args.slice(0, split);
  const [command, ...agentArgs] = args.slice(split + 1);
  const taskId = own[0];
  const opt = (name: string) => {
    const i = own.indexOf(name);
    return i === -1 ? undefined : own[i + 1];
  };
  const root = opt('--root');
  const base = opt('--base');
  if (!taskId || !root || !base) throw new UsageError('supervise needs <task-id>, --root and --base.');
  const layout = new BatonLayout(root);
  const taken = launchTaken(layout, taskId);
  if (taken) {
    io.err(`baton: ${taken}`);
    return 1;
  }
  const headless = own.includes('--headless');
  const prompt = readFileSync(layout.prompt(taskId), 'utf8');
  const promptInArgs = agentArgs.includes(PROMPT_PLACEHOLDER);
  const code = await supervise({
    layout,
    taskId,
    base,
    command,
    args: agentArgs.map((a) => (a === PROMPT_PLACEHOLDER ? prompt : a)),
    env: agentEnvironment(process.env),
    interactive: !headless,
    stdinFile: headless && !promptInArgs ? layout.prompt(taskId) : undefined,
    checkpointMs: Number(opt('--checkpoint-minutes') ?? 0) * 60_000,
    livenessMs: Number(opt('--liveness-ms') ?? 5000),
    firstHookWithinMs: Number(opt('--first-hook-within-ms') ?? 0) || undefined,
    launchId: process.env[LAUNCH_ENV] || undefined,
  });
  // In a terminal the outcome is recorded (heartbeat, events) and Baton tells the person itself; a
  // non-zero exit would only add VS Code's own "terminal process terminated" toast. Headless, the exit
  // code is what `baton run` reads.
  return headless ? code : 0;
}

/** Called by Claude Code hooks. Always exits 0: a reporting hiccup must never block the worker's tool. */
export async function hookCommand(event: string, io: Output, stdin: () => Promise<string>): Promise<number> {
  const taskId = process.env.BATON_TASK_ID;
  const root = process.env.BATON_ROOT;
  if (!HOOK_EVENTS.includes(event as HookEvent)) {
    io.err(`baton hook: unknown event "${event}" (known: ${HOOK_EVENTS.join(', ')})`);
    return 0;
  }
  if (!taskId || !root) {
    io.err('baton hook: BATON_TASK_ID and BATON_ROOT are not set; this hook only works inside a Baton worker.');
    return 0;
  }
  let payload: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse((await stdin()) || '{}');
    if (parsed && typeof parsed === 'object') payload = parsed;
  } catch {
    io.err('baton hook: the hook input was not JSON; recorded the event without details.');
  }
  try {
    await intakeHook({ layout: new BatonLayout(root), taskId, base: process.env.BATON_BASE ?? 'main', launchId: process.env[LAUNCH_ENV] || undefined }, event as HookEvent, payload);
  } catch (e) {
    io.err(`baton hook: ${(e as Error).message}`);
  }
  return 0;
}

/** `baton report blocked "reason"` | `progress N` (through the heartbeat) | `done "summary"` (into result.json): for workers. */
export async function reportCommand(args: string[], io: Output): Promise<number> {
  const taskId = process.env.BATON_TASK_ID;
  const root = process.env.BATON_ROOT;
  if (!taskId || !root) throw new UsageError('report only works inside a Baton worker (BATON_TASK_ID and BATON_ROOT are not set).');
  const layout = new BatonLayout(root);
  const [what, ...rest] = args;
  const now = new Date().toISOString();
  const launchId = process.env[LAUNCH_ENV] || undefined;
  const mine = () => isCurrentLaunch(layout, taskId, launchId);
  if (what === 'blocked') {
    const reason = rest.join(' ').trim();
    if (!reason) throw new UsageError('report blocked needs a reason: baton report blocked "what you need to know"');
    await updateHeartbeat(layout.heartbeat(taskId), taskId, (c) => (mine() ? { ...(c ?? { task_id: taskId, status: 'blocked' }), status: 'blocked', reason, updated_at: now, agent_at: now } : undefined));
    appendEvent(layout.events(taskId), { type: 'report:blocked', at: now, reason, ...launchTag(launchId) });
    io.out('Reported: blocked. The person sees your reason; wait for the answer in this session.');
    return 0;
  }
  if (what === 'progress') {
    const n = Number(rest[0]);
    if (!Number.isFinite(n) || n < 0 || n > 100) throw new UsageError('report progress takes a number from 0 to 100.');
    await updateHeartbeat(layout.heartbeat(taskId), taskId, (c) => (mine() ? { ...(c ?? { task_id: taskId, status: 'in_progress' }), progress: n, updated_at: now, agent_at: now } : undefined));
    return 0;
  }
  if (what === 'done') {
    const { summary, notDone } = handOver(rest, layout.worktree(taskId));
    await updateResult(layout, taskId, { status: 'done', summary, not_done: notDone });
    appendEvent(layout.events(taskId), { type: 'report:done', at: now });
    io.out('Reported: done. The reviewer reads your summary beside your changes.');
    return 0;
  }
  throw new UsageError('report takes: blocked "reason" | progress N | done "summary" [--not-done "text"] | done --file FILE');
}

/**
 * The worker's summary from `done "text"` or `done --file FILE`, and what it did not do from `--not-done "text"`.
 * The file must be in the worker's own worktree (by its real path, so a link cannot lead out): the summary
 * reaches the review, the pre-review and later workers' notes, and no other file of the person's may.
 */
function handOver(args: string[], worktree: string): { summary: string; notDone?: string } {
  const words: string[] = [];
  let file: string | undefined;
  let notDone: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--file') file = args[++i];
    else if (args[i] === '--not-done') notDone = args[++i];
    else words.push(args[i]);
  }
  let summary = words.join(' ').trim();
  if (file) {
    let real: string;
    try {
      real = realpathSync(resolve(file));
    } catch (e) {
      throw new UsageError(`report done --file: cannot read ${file}: ${(e as Error).message}`);
    }
    const home = existsSync(worktree) ? realpathSync(worktree) : resolve(worktree);
    const inside = relative(home, real);
    if (!inside || inside.startsWith('..') || isAbsolute(inside)) {
      throw new UsageError(`report done --file: ${file} is not in your worktree (${home}); write your summary to a file there, or pass it as text.`);
    }
    try {
      summary = readFileSync(real, 'utf8');
    } catch (e) {
      throw new UsageError(`report done --file: cannot read ${file}: ${(e as Error).message}`);
    }
  }
  // Kept whole for the review summary, but not without limit: it is read by a person.
  summary = summary.trim().slice(0, 20_000);
  if (!summary) throw new UsageError('report done needs your summary: baton report done "what you did" --not-done "what you did not do"');
  return { summary, notDone: notDone?.trim().slice(0, 20_000) || undefined };
}

// ---- for the person --------------------------------------------------------------------------

/** The state word `status` prints: a task the plan's errors keep from starting has its own. */
function statusWord(state: TaskState | undefined, needsFix: boolean): string | undefined {
  return needsFix ? 'needs_fix' : state;
}

function statusRow(task: string, state: TaskState, w?: WorkerView, problem?: string, needsFix = false) {
  return {
    task,
    state: statusWord(state, needsFix)!,
    activity: w?.activity ?? null,
    reason: w?.reason ?? null,
    progress: w?.progress ?? null,
    elapsedSeconds: w?.elapsedSeconds ?? null,
    tokens: w?.tokens ?? null,
    problem: problem ?? null,
    ...(needsFix ? { needsFix } : {}),
  };
}

/**
 * Every task's state, the workers' always: a typo in the plan must not hide running workers. The plan's
 * errors go to stderr beside them, the tasks they touch say "needs fix", and the exit status is 1.
 */
export async function statusCommand(planFile: string, json: boolean, watchMode: boolean, io: Output): Promise<number> {
  const s = openSession(planFile, true);
  const touched = problemsByTask(s.plan, s.errors);
  const fix = (id: string, state: TaskState | undefined) => touched.has(id) && (state === 'ready' || state === 'blocked');
  if (s.errors.length) io.err(`The plan has errors; tasks they touch cannot start until they are fixed:\n${s.errors.map(formatDiagnostic).join('\n')}`);
  if (!watchMode) {
    const { states, workers } = currentStates(s);
    for (const [id, w] of workers) if (w.state === 'failed' && w.exitCode === undefined) endLeftovers(s, id);
    const holds = conflictHolds(s.plan, states);
    const rows = s.plan.tasks.map((t) => {
      const row = statusRow(t.id, states.get(t.id)!, workers.get(t.id), s.store.refresh(t.id)?.problem, fix(t.id, states.get(t.id)));
      const hold = holds.get(t.id);
      return hold ? { ...row, reason: holdText(hold) } : row;
    });
    if (json) io.out(JSON.stringify(rows));
    else {
      const width = Math.max(...rows.map((r) => r.task.length));
      const label = (r: (typeof rows)[number]) => (r.needsFix ? 'needs fix' : r.state);
      // As wide as the longest state shown, so "integration failed" never runs into what follows it.
      const stateWidth = Math.max(...rows.map((r) => label(r).length)) + 2;
      for (const r of rows) {
        const percent = r.progress !== null ? ` (${Math.round(r.progress)}%)` : '';
        // After a failed merge the worker's last activity ("Finished: …") is stale: the reason says what happened.
        const merge = r.state === 'conflict' || r.state === 'integration_failed';
        io.out(`${r.task.padEnd(width)}  ${label(r).padEnd(stateWidth)}${(merge ? r.reason ?? r.activity : r.activity ?? r.reason) ?? ''}${percent}`);
        // What the worker's heartbeat gets wrong, where whoever wrote the worker will see it.
        if (r.problem) io.out(`${' '.repeat(width)}  problem: ${r.problem}`);
      }
    }
    return s.errors.length ? 1 : 0;
  }
  // --watch: the current state of every task, then one JSON line each time a task's state, activity or
  // reason changes (a stalled worker is one line, not one a second), until interrupted.
  const records = new Map<string, WorkerRecord>();
  for (const [id, r] of s.store.readAll()) {
    records.set(id, r);
    if (r.view.state === 'failed' && r.view.exitCode === undefined) endLeftovers(s, id);
  }
  const printed = new Map<string, string>();
  const emit = () => {
    const views = new Map([...records].filter(([id]) => s.plan.tasks.some((t) => t.id === id)).map(([id, r]) => [id, r.view]));
    const approved = new Set([...views].filter(([, w]) => w.state === 'approved').map(([id]) => id));
    const states = planStates(s.plan, approved, views);
    for (const t of s.plan.tasks) {
      const w = views.get(t.id);
      const line = { task: t.id, state: statusWord(states.get(t.id), fix(t.id, states.get(t.id))), activity: w?.activity ?? null, reason: w?.reason ?? null, problem: records.get(t.id)?.problem ?? null };
      const key = JSON.stringify(line);
      if (printed.get(t.id) === key) continue;
      printed.set(t.id, key);
      io.out(JSON.stringify({ ...line, at: new Date().toISOString() }));
    }
  };
  emit();
  const watcher = new RunWatcher(s.store, s.layout, ({ task, record }) => {
    if (record) records.set(task, record);
    else records.delete(task);
    if (record?.view.state === 'failed' && record.view.exitCode === undefined) endLeftovers(s, task);
    emit();
  });
  watcher.start();
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  watcher.dispose();
  return 0;
}

interface StartOptions {
  maxWorkers?: number;
  /** An AI pre-review of each task that reaches review (preReview.ts); also BATON_PRE_REVIEW=1. */
  preReview?: boolean;
  /** A note for later workers after each approval (approvalNotes.ts); also BATON_NOTES=1. */
  notes?: boolean;
  /** Approve every task whose gates pass, so the plan runs to its end; stop at the first failed merge. */
  autoApprove?: boolean;
}

export function launchHeadless(
  s: Session,
  taskId: string,
  states: Map<string, TaskState>,
  followUp?: LaunchRequest['followUp'],
): Promise<{ pid: number; exit: Promise<number>; detach(): void }> {
  const analysis = analyzePlan(s.plan);
  const task = s.plan.tasks.find((t) => t.id === taskId);
  let profile;
  let sandbox;
  try {
    profile = findProfile(task?.agent ?? s.plan.defaults.agent, agentsFromEnv());
    sandbox = sandboxFromEnv();
  } catch (e) {
    return Promise.reject(new LaunchRefused((e as Error).message));
  }
  return prepareLaunch({
    layout: s.layout,
    plan: s.plan,
    analysis,
    taskId,
    states,
    profile,
    permissions: permissionsFromEnv(),
    sandbox,
    headless: true,
    batonCommand: batonCommand(),
    notesFile: notesFileFor(resolve(s.plan.file)),
    followUp,
  }).then((launch) => {
    // Its own process group, so stopping it reaches the agent and everything the agent started. The
    // supervisor's own messages go to the same log as the agent's output.
    const log = openSync(s.layout.output(taskId), 'a');
    const child = spawn(launch.command, launch.args, { cwd: launch.cwd, env: { ...process.env, ...launch.env }, stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    const exit = new Promise<number>((done) => child.once('exit', (code) => done(code ?? 1)));
    return { pid: child.pid!, exit, detach: () => child.unref() };
  });
}

/** Profiles and permissions for headless runs come from the environment (the extension passes settings). */
export function agentsFromEnv() {
  try {
    return JSON.parse(process.env.BATON_AGENTS ?? '{}');
  } catch {
    throw new UsageError('BATON_AGENTS is not valid JSON.');
  }
}

/** The person's sandbox choice for the CLI: BATON_SANDBOX=on|off and BATON_SANDBOX_ALLOWED_DOMAINS (comma-separated hosts). */
export function sandboxFromEnv(env: NodeJS.ProcessEnv = process.env): PersonSandbox {
  try {
    return { mode: parseSandboxMode(env.BATON_SANDBOX, 'BATON_SANDBOX') ?? 'off', allowedDomains: parseDomains(env.BATON_SANDBOX_ALLOWED_DOMAINS) };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function permissionsFromEnv() {
  return {
    mode: process.env.BATON_PERMISSION_MODE || DEFAULT_PERMISSIONS.mode,
    allowedTools: (process.env.BATON_ALLOWED_TOOLS ?? '').split(',').map((t) => t.trim()).filter(Boolean),
  };
}

export async function startCommand(planFile: string, taskId: string, io: Output): Promise<number> {
  const s = openSession(planFile);
  const { states } = currentStates(s);
  try {
    const { pid, detach } = await launchHeadless(s, taskId, states);
    detach(); // the worker outlives this command
    io.out(`Started ${taskId} (supervisor pid ${pid}); output in ${s.layout.output(taskId)}. Follow with: baton status --watch`);
    return 0;
  } catch (e) {
    if (e instanceof LaunchRefused) {
      io.err(`baton: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

export async function stopCommand(planFile: string, taskId: string, io: Output): Promise<number> {
  const s = openSession(planFile);
  const record = s.store.read(taskId);
  if (!record || !record.view.pid || !canStop(record.view)) {
    io.err(`baton: "${taskId}" has no running worker.`);
    return 1;
  }
  io.out(`Stopping ${taskId}...`);
  const earlier = readEvents(s.layout.events(taskId)).length;
  // The pid Baton recorded for its supervisor, checked to be that process still; never the heartbeat's.
  const outcome = await stopTaskSupervisor(s.layout, taskId);
  // Say what happened to its work, as the supervisor recorded it for this stop: never claim a checkpoint that was not made.
  const ended = readEvents(s.layout.events(taskId)).slice(earlier).filter((e) => e.type === 'stopped' || e.type === 'exit').at(-1);
  const failure = (ended?.checkpointError as string | undefined) ?? s.store.read(taskId)?.view.checkpointError;
  if (outcome === 'killed') io.out(`${taskId} did not stop in time and was killed.`);
  if (failure) {
    io.err(`baton: stopped ${taskId}, but its uncommitted work could not be checkpointed: ${failure}`);
    return 1;
  }
  if (outcome === 'gone' && !ended) {
    io.out(`${taskId}'s supervisor had already ended, so nothing was checkpointed now. ${await worktreeLeft(s.layout.root, s.layout.worktree(taskId))}`);
    return 0;
  }
  if (outcome === 'killed' && !ended) {
    io.out(`Nothing was checkpointed. ${await worktreeLeft(s.layout.root, s.layout.worktree(taskId))}`);
    return 0;
  }
  if (ended) {
    io.out(ended.checkpoint ? `Stopped ${taskId}; its uncommitted work is checkpointed on its branch (${String(ended.checkpoint).slice(0, 8)}).` : `Stopped ${taskId}; it left nothing uncommitted.`);
    return 0;
  }
  // The supervisor ended without recording its stop, so nothing was checkpointed: say what the worktree holds.
  io.out(`Stopped ${taskId}; its supervisor ended without recording the stop, so nothing was checkpointed. ${await worktreeLeft(s.layout.root, s.layout.worktree(taskId))}`);
  return 0;
}

async function worktreeLeft(root: string, worktree: string): Promise<string> {
  if (!existsSync(worktree)) return 'Its worktree is gone.';
  try {
    const files = await listUncommitted(root, worktree);
    if (files.length === 0) return 'Its worktree has no uncommitted changes.';
    const shown = files.slice(0, 5).join(', ') + (files.length > 5 ? `, and ${files.length - 5} more` : '');
    return `Its worktree has ${files.length} uncommitted file${files.length === 1 ? '' : 's'} (${shown}); commit or discard them in ${worktree}.`;
  } catch (e) {
    return `Could not tell whether its worktree has uncommitted changes (${e instanceof Error ? e.message.trim() : String(e)}); check with git status in ${worktree}.`;
  }
}

/**
 * Stops a worker once its supervisor has installed its signal handlers (its pid is in the heartbeat), so
 * the stop is recorded and the work checkpointed, rather than killing a process still loading.
 */
async function stopOnceSupervised(s: Session, taskId: string, pid: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (s.store.read(taskId)?.view.pid !== pid && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  await stopSupervisor(pid);
}

/**
 * A supervisor gone without recording an exit: end every process its agent left running (processTree.ts).
 * Whoever notices first does it (the extension, `baton run`, `baton status`); a second time finds nothing.
 */
function endLeftovers(s: Session, taskId: string): void {
  endRecorded(s.layout.processes(taskId), 'SIGKILL', readLaunch(s.layout, taskId)?.launch_id);
}

export async function runCommand(planFile: string, options: StartOptions, io: Output): Promise<number> {
  const s = openSession(planFile);
  const max = options.maxWorkers ?? s.plan.defaults.maxWorkers;
  const { conflicts } = analyzePlan(s.plan);
  const running = new Map<string, { pid: number; exit: Promise<number>; detach(): void }>();
  const abort = new AbortController();
  let interrupted = false;
  let wake: () => void = () => undefined;
  const pending: Promise<unknown>[] = [];
  const reviewing = new Set<Promise<unknown>>();
  const controller = sessionController(s, {
    maxWorkers: max,
    signal: abort.signal,
    io,
    notes: options.notes,
    pending,
    launch: async (id, states) => {
      const launched = await launchHeadless(s, id, states);
      running.set(id, launched);
      if (interrupted) void stopOnceSupervised(s, id, launched.pid); // Ctrl-C came while it was being prepared
      void launched.exit.then(() => {
        // A supervisor that ended without recording an exit was killed: end what its agent left running.
        const after = s.store.read(id)?.view;
        if (after?.state === 'failed' && after.exitCode === undefined) endLeftovers(s, id);
        pending.push(controller.onWorkerExit(id));
        // Once its worker is gone (headless workers end after their turn), its work stands still to be read.
        if ((options.preReview || process.env.BATON_PRE_REVIEW === '1') && s.store.read(id)?.view.state === 'review') {
          const review = preReviewFor(s, id, io).finally(() => reviewing.delete(review));
          reviewing.add(review);
          pending.push(review);
        }
        running.delete(id);
        wake();
      });
    },
  });
  const interrupt = () => {
    if (interrupted) return;
    interrupted = true;
    abort.abort(); // the merge queue stops before the next base move; nothing is left half-merged
    io.err('Stopping all workers; uncommitted work is checkpointed on each branch...');
    for (const [id, { pid }] of running) void stopOnceSupervised(s, id, pid);
    wake();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const printed = new Map<string, string>();
  const shown = new Map<string, TaskState>();
  const watcher = new RunWatcher(s.store, s.layout, ({ task, record }) => {
    // One line per change of state, activity or reason (a change of problem alone is not one).
    const line = record ? { task, state: record.view.state, activity: record.view.activity ?? null, reason: record.view.reason ?? null } : undefined;
    if (line && printed.get(task) !== JSON.stringify(line)) {
      printed.set(task, JSON.stringify(line));
      io.out(JSON.stringify({ ...line, at: new Date().toISOString() }));
    }
    if (record?.view.state === 'failed' && record.view.exitCode === undefined) endLeftovers(s, task);
    pending.push(controller.onWorkerChange(task, record, shown.get(task)));
    if (record) shown.set(task, record.view.state);
    wake();
  });
  let stoppedBy: MergeResult | undefined;
  const stopOn = (results: MergeResult[]) => {
    stoppedBy ??= results.find((r) => r.outcome !== 'merged');
    if (stoppedBy && !interrupted) {
      interrupted = true;
      io.err(`Stopping the run: ${mergeLine(stoppedBy)}`);
      for (const [id, { pid }] of running) void stopOnceSupervised(s, id, pid);
    }
  };
  try {
    // A queue that a killed run left mid-merge is finished or rolled back before anything else.
    await controller.recover();
    watcher.start();
    for (;;) {
      let progressed = false;
      if (!interrupted) {
        // Tasks approved elsewhere (a window, baton approve) merge here too; only auto-approval stops the run on a failed merge.
        // A task is read by its pre-reviewer before auto-approval merges it and removes its worktree.
        if (options.autoApprove) await Promise.all(reviewing);
        const approved = options.autoApprove ? (await controller.autoApprove()).approved : [];
        const merged = await controller.processQueue();
        if (options.autoApprove) stopOn(merged);
        progressed = approved.length > 0 || merged.length > 0;
      }
      if (!interrupted) progressed = (await controller.startReady()).length > 0 || progressed;
      if (running.size === 0 && !progressed) break;
      if (progressed && running.size === 0) continue;
      await new Promise<void>((done) => {
        wake = done;
        setTimeout(done, 2000);
      });
    }
    await Promise.all(pending);
  } finally {
    watcher.dispose();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
  const states = controller.states();
  const count = (state: TaskState) => s.plan.tasks.filter((t) => states.get(t.id) === state).map((t) => t.id);
  const review = count('review');
  const failed = [...count('failed'), ...count('stalled')];
  const waiting = count('blocked');
  const held = [...conflictHolds(s.plan, states, conflicts)].map(([id, hold]) => `${id} (${holdText(hold)})`);
  const approved = count('approved');
  io.err(
    [
      options.autoApprove && approved.length ? `Approved and merged: ${approved.join(', ')}` : '',
      stoppedBy ? `Stopped: ${mergeLine(stoppedBy)}` : '',
      held.length ? `Not started, a worker started elsewhere may touch the same files: ${held.join(', ')}` : '',
      review.length ? `Ready for review: ${review.join(', ')}` : '',
      failed.length ? `Failed: ${failed.join(', ')} (see .baton/runs/<id>/output.log)` : '',
      waiting.length ? `Waiting for approvals: ${waiting.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('\n') || 'Nothing to run.',
  );
  const unsaved = s.plan.tasks.filter((t) => s.store.read(t.id)?.view.checkpointError);
  for (const t of unsaved) io.err(`Not checkpointed: ${t.id}: ${s.store.read(t.id)?.view.checkpointError}`);
  if (stoppedBy) return 1;
  if (abort.signal.aborted) return 130;
  // Finished: archived as the extension does (archiveOnCompletion.ts); a run archived before is left alone.
  if (approved.length === s.plan.tasks.length) await archiveFinished(s, io);
  return failed.length || unsaved.length ? 1 : 0;
}

/** Runs the AI pre-review of a task in review and says how it went; never fails the run. */
export async function preReviewFor(s: Session, taskId: string, io: Output, asked = false): Promise<PreReview | undefined> {
  const task = s.plan.tasks.find((t) => t.id === taskId);
  if (!task) return undefined;
  let command: string;
  try {
    command = findProfile('claude', agentsFromEnv()).command;
  } catch (e) {
    io.err(`baton: no pre-review of ${taskId}: ${(e as Error).message}`);
    return undefined;
  }
  // The reviewer is not the task's worker: none of a worker's variables, so nothing it does reports as the task.
  const env = agentEnvironment(process.env);
  for (const key of ['BATON_TASK_ID', 'BATON_ROOT', 'BATON_BASE', LAUNCH_ENV]) delete env[key];
  const outcome = await runPreReview({ layout: s.layout, plan: s.plan, task, command, env, retryFailed: asked });
  if (outcome) io.err(outcome.status === 'done' ? `AI pre-review of ${taskId} written (baton review ${taskId} shows it).` : `AI pre-review of ${taskId} failed: ${outcome.error}`);
  return outcome;
}

/** Every task approved: the run goes to `.baton/archive/` (archive.ts), and the person is told where. */
async function archiveFinished(s: Session, io: Output): Promise<void> {
  let prices;
  try {
    prices = parsePrices(process.env.BATON_PRICES);
  } catch (e) {
    io.err(`baton: BATON_PRICES: ${(e as Error).message}; the run is not archived. Fix it, then run baton archive.`);
    return;
  }
  try {
    const r = await archiveIfComplete(s.layout, s.plan, { prices });
    if (r.archived) io.err(`Every task is approved: the run is archived in ${relative(s.layout.root, r.dir!)}/ (baton status --past lists it).`);
    if (r.kept.length) io.err(`Left in place because they changed while being archived: ${r.kept.join(', ')}`);
  } catch (e) {
    io.err(`baton: archiving the finished run failed: ${(e as Error).message}. Nothing was removed; try again with baton archive.`);
  }
}

/** The run engine for a CLI session; launching is the caller's. Merge settings come from the environment. */
function sessionController(
  s: Session,
  o: {
    maxWorkers?: number;
    signal?: AbortSignal;
    io: Output;
    launch?: (id: string, states: Map<string, TaskState>) => Promise<void>;
    /** Record a note for later workers after each merge (approvalNotes.ts); the writes join `pending`. */
    notes?: boolean;
    pending?: Promise<unknown>[];
  },
): RunController {
  const notes = o.notes || process.env.BATON_NOTES === '1';
  const style = process.env.BATON_MERGE_STYLE === 'squash' ? 'squash' : 'merge';
  const keep = keepWorktreesFromEnv();
  const { conflicts } = analyzePlan(s.plan);
  return new RunController({
    layout: s.layout,
    store: s.store,
    plan: () => s.plan,
    conflicts: () => conflicts,
    maxWorkers: () => o.maxWorkers ?? s.plan.defaults.maxWorkers,
    launch: o.launch ?? (() => Promise.reject(new Error('this command starts no workers'))),
    runGates: (cwd, commands, options) => runGates(cwd, commands, options),
    planTask: (id) => plannedTask(s.plan.file, id),
    gateResults: (id) => readResult(s.layout, id)?.gates,
    recordGates: async (id, gates, ranOn) =>
      void (await updateResult(s.layout, id, { gates: gates as GateResult[], gates_at: new Date().toISOString(), gates_commit: ranOn?.head, gates_uncommitted: ranOn?.uncommitted })),
    cleanup: async (id, approvedStyle) => {
      const after = await cleanupAfterMerge(s.layout, id, { base: s.plan.base, style: approvedStyle, keep });
      if (after.outcome === 'kept' && !after.setting) o.io.err(`baton: ${id} merged; ${after.message}`);
      if (after.outcome === 'failed') o.io.err(`baton: ${id} merged, but its worktree was not removed: ${after.message}`);
    },
    mergeStyle: () => style,
    onMerge: (r) => {
      o.io.out(JSON.stringify({ task: r.task, merge: r.outcome, ...mergeDetails(r), at: new Date().toISOString() }));
      if (notes && r.outcome === 'merged') {
        o.pending?.push(
          recordApprovalNote(s.layout, s.plan, resolve(s.plan.file), r.task, r.commit).catch((e) => o.io.err(`baton: no note recorded for ${r.task}: ${(e as Error).message}`)),
        );
      }
    },
    onLaunchError: (id, e) => o.io.err(`baton: could not start ${id}: ${e.message}`),
    signal: o.signal,
  });
}

/** A queued task as the plan file says now (the plan may have changed since this command read it). */
function plannedTask(planFile: string, taskId: string): PlannedTask | undefined {
  const parsed = loadPlan(planFile);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`the plan has errors: ${errors.map(formatDiagnostic).join('; ')}`);
  const task = parsed.plan.tasks.find((t) => t.id === taskId);
  return task && { base: parsed.plan.base, gates: task.gates };
}

function mergeDetails(r: MergeResult): Record<string, unknown> {
  switch (r.outcome) {
    case 'merged':
      return { commit: r.commit, base: r.base };
    case 'conflict':
      return { files: r.files };
    case 'integration_failed':
      return { gates: r.gates.map((g) => ({ command: g.command, exit_code: g.exit_code, output_file: g.output_file })) };
    case 'refused':
      return { files: r.files, reason: r.message };
  }
}

function mergeLine(r: MergeResult): string {
  switch (r.outcome) {
    case 'merged':
      return `${r.task} merged into ${r.base} as ${r.commit.slice(0, 10)}`;
    case 'conflict':
      return `${r.task} conflicts with the base in ${r.files.join(', ')}; nothing was changed. Ask its worker to rebase (its branch is baton/${r.task}), then approve it again.`;
    case 'integration_failed': {
      const failed = r.gates.filter((g) => g.exit_code !== 0);
      return `${r.task} failed its gates on the merged tree (${failed.map((g) => `${g.command}: exit ${g.exit_code}${g.output_file ? `, output in ${g.output_file}` : ''}`).join('; ')}); the base did not move.${failed[0]?.output_tail ? `\n${failed[0].output_tail.trimEnd()}` : ''}`;
    }
    case 'refused':
      return `${r.task} was not merged: ${r.message}`;
  }
}

/** `baton approve <id> [--force]`: queue the task and merge the queue (unless another process is merging it). */
export async function approveCommand(planFile: string, taskId: string, force: boolean, io: Output, notes = false): Promise<number> {
  const s = openSession(planFile);
  const pending: Promise<unknown>[] = [];
  const controller = sessionController(s, { io: { out: () => undefined, err: io.err }, notes, pending });
  await controller.recover();
  try {
    const position = await controller.approve(taskId, force);
    io.out(`Queued ${taskId}${position ? ` (${position} ahead of it)` : ''}${force ? '; approved anyway, recorded' : ''}.`);
  } catch (e) {
    if (e instanceof ApprovalRefused) {
      io.err(`baton: ${e.message}${e.gatesOnly ? ` To approve anyway: baton approve ${taskId} --force` : ''}`);
      return 1;
    }
    if (e instanceof QueueWriteError) {
      io.err(`baton: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const results = await controller.processQueue();
  await Promise.all(pending);
  for (const r of results) io.out(mergeLine(r));
  const mine = results.find((r) => r.task === taskId);
  if (!mine) {
    io.out(`Another Baton process is merging the queue; ${taskId} will be merged in its turn (baton queue).`);
    return 0;
  }
  return mine.outcome === 'merged' ? 0 : 1;
}

/** `baton queue [--json]`: what waits to be merged, in order. */
export async function queueCommand(planFile: string, json: boolean, io: Output): Promise<number> {
  const s = openSession(planFile);
  const q = readQueue(s.layout);
  if (json) {
    io.out(JSON.stringify({ entries: q.entries, merging: q.current ?? null }));
    return 0;
  }
  for (const why of q.skipped ?? []) io.err(`baton: skipped in the queue file, not a queue entry: ${why}`);
  if (q.entries.length === 0) io.out('The merge queue is empty.');
  q.entries.forEach((e, i) => io.out(`${i + 1}. ${e.task} into ${e.base} (${e.style}${e.forced ? ', approved anyway' : ''}), queued ${e.queued_at}`));
  return 0;
}
