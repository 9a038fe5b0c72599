// `baton supervise | hook | report | status | start | stop | run`: the worker side of the CLI.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_PERMISSIONS, findProfile } from '../core/agents/profiles';
import { analyzePlan } from '../core/graph/analysis';
import type { Plan } from '../core/plan/model';
import { appendEvent } from '../core/run/events';
import { updateHeartbeat } from '../core/run/heartbeat';
import { HOOK_EVENTS, intakeHook, type HookEvent } from '../core/run/hookIntake';
import { LaunchRefused, PROMPT_PLACEHOLDER, prepareLaunch } from '../core/run/launch';
import { BatonLayout } from '../core/run/layout';
import { RunStore, RunWatcher } from '../core/run/runStore';
import { tasksToStart } from '../core/run/scheduler';
import { LIVE_STATES, planStates, type TaskState } from '../core/run/states';
import { checkpointAbandoned, stopSupervisor, supervise } from '../core/run/supervisor';
import type { WorkerView } from '../core/run/workerState';
import { formatDiagnostic, loadPlan, UsageError, type Output } from './planCommands';

/** How a worker (or a hook) runs this same CLI again. */
function batonCommand(): string[] {
  return [process.execPath, realpathSync(process.argv[1])];
}

/** `.baton/` lives at the root of the git repository that holds the plan. */
export function repositoryRoot(planFile: string): string {
  const dir = dirname(resolve(planFile));
  const r = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new UsageError(`${planFile} is not inside a git repository: Baton gives each task a git worktree. Run "git init" first.`);
  return r.stdout.trim();
}

interface Session {
  plan: Plan;
  layout: BatonLayout;
  store: RunStore;
}

function openSession(planFile: string): Session {
  const parsed = loadPlan(planFile);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new UsageError(`the plan has errors; fix them first:\n${errors.map(formatDiagnostic).join('\n')}`);
  const layout = new BatonLayout(repositoryRoot(planFile));
  return { plan: parsed.plan, layout, store: new RunStore(layout, () => parsed.plan.defaults.heartbeatTimeout) };
}

function currentStates(s: Session): { states: Map<string, TaskState>; workers: Map<string, WorkerView> } {
  const workers = new Map([...s.store.readAll()].filter(([id]) => s.plan.tasks.some((t) => t.id === id)).map(([id, r]) => [id, r.view]));
  const approved = new Set([...workers].filter(([, w]) => w.state === 'approved').map(([id]) => id));
  return { states: planStates(s.plan, approved, workers), workers };
}

// ---- inside a worker ---------------------------------------------------------------------------

export async function superviseCommand(args: string[]): Promise<number> {
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
  const headless = own.includes('--headless');
  const prompt = readFileSync(layout.prompt(taskId), 'utf8');
  const promptInArgs = agentArgs.includes(PROMPT_PLACEHOLDER);
  return supervise({
    layout,
    taskId,
    base,
    command,
    args: agentArgs.map((a) => (a === PROMPT_PLACEHOLDER ? prompt : a)),
    env: process.env,
    interactive: !headless,
    stdinFile: headless && !promptInArgs ? layout.prompt(taskId) : undefined,
    checkpointMs: Number(opt('--checkpoint-minutes') ?? 0) * 60_000,
    livenessMs: Number(opt('--liveness-ms') ?? 5000),
    firstHookWithinMs: Number(opt('--first-hook-within-ms') ?? 0) || undefined,
  });
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
    await intakeHook({ layout: new BatonLayout(root), taskId, base: process.env.BATON_BASE ?? 'main' }, event as HookEvent, payload);
  } catch (e) {
    io.err(`baton hook: ${(e as Error).message}`);
  }
  return 0;
}

/** `baton report blocked "reason"` | `baton report progress N`: for workers, through the heartbeat. */
export async function reportCommand(args: string[], io: Output): Promise<number> {
  const taskId = process.env.BATON_TASK_ID;
  const root = process.env.BATON_ROOT;
  if (!taskId || !root) throw new UsageError('report only works inside a Baton worker (BATON_TASK_ID and BATON_ROOT are not set).');
  const layout = new BatonLayout(root);
  const [what, ...rest] = args;
  const now = new Date().toISOString();
  if (what === 'blocked') {
    const reason = rest.join(' ').trim();
    if (!reason) throw new UsageError('report blocked needs a reason: baton report blocked "what you need to know"');
    await updateHeartbeat(layout.heartbeat(taskId), taskId, (c) => ({ ...(c ?? { task_id: taskId, status: 'blocked' }), status: 'blocked', reason, updated_at: now }));
    appendEvent(layout.events(taskId), { type: 'report:blocked', at: now, reason });
    io.out('Reported: blocked. The person sees your reason; wait for the answer in this session.');
    return 0;
  }
  if (what === 'progress') {
    const n = Number(rest[0]);
    if (!Number.isFinite(n) || n < 0 || n > 100) throw new UsageError('report progress takes a number from 0 to 100.');
    await updateHeartbeat(layout.heartbeat(taskId), taskId, (c) => ({ ...(c ?? { task_id: taskId, status: 'in_progress' }), progress: n, updated_at: now }));
    return 0;
  }
  throw new UsageError('report takes: blocked "reason" | progress N');
}

// ---- for the person --------------------------------------------------------------------------

function statusRow(task: string, state: TaskState, w?: WorkerView) {
  return { task, state, activity: w?.activity ?? null, reason: w?.reason ?? null, elapsedSeconds: w?.elapsedSeconds ?? null, tokens: w?.tokens ?? null };
}

export async function statusCommand(planFile: string, json: boolean, watchMode: boolean, io: Output): Promise<number> {
  const s = openSession(planFile);
  if (!watchMode) {
    const { states, workers } = currentStates(s);
    const rows = s.plan.tasks.map((t) => statusRow(t.id, states.get(t.id)!, workers.get(t.id)));
    if (json) io.out(JSON.stringify(rows));
    else {
      const width = Math.max(...rows.map((r) => r.task.length));
      for (const r of rows) io.out(`${r.task.padEnd(width)}  ${r.state.padEnd(14)}${r.activity ?? r.reason ?? ''}`);
    }
    return 0;
  }
  // --watch: the current state of every task, then one JSON line per change, until interrupted.
  const ids = new Set(s.plan.tasks.map((t) => t.id));
  const { states } = currentStates(s);
  for (const t of s.plan.tasks) io.out(JSON.stringify({ task: t.id, state: states.get(t.id), activity: null, at: new Date().toISOString() }));
  const watcher = new RunWatcher(s.store, s.layout, ({ task, record }) => {
    if (!ids.has(task) || !record) return;
    io.out(JSON.stringify({ task, state: record.view.state, activity: record.view.activity ?? null, at: new Date().toISOString() }));
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
}

function launchHeadless(s: Session, taskId: string, states: Map<string, TaskState>): Promise<{ pid: number; exit: Promise<number>; detach(): void }> {
  const analysis = analyzePlan(s.plan);
  const task = s.plan.tasks.find((t) => t.id === taskId);
  let profile;
  try {
    profile = findProfile(task?.agent ?? s.plan.defaults.agent, agentsFromEnv());
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
    headless: true,
    batonCommand: batonCommand(),
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
function agentsFromEnv() {
  try {
    return JSON.parse(process.env.BATON_AGENTS ?? '{}');
  } catch {
    throw new UsageError('BATON_AGENTS is not valid JSON.');
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
  if (!record || !LIVE_STATES.has(record.view.state) || !record.view.pid) {
    io.err(`baton: "${taskId}" has no running worker.`);
    return 1;
  }
  io.out(`Stopping ${taskId}...`);
  const clean = await stopSupervisor(record.view.pid);
  io.out(clean ? `Stopped ${taskId}; its uncommitted work is checkpointed on its branch.` : `${taskId} did not stop in time and was killed.`);
  return 0;
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

export async function runCommand(planFile: string, options: StartOptions, io: Output): Promise<number> {
  const s = openSession(planFile);
  const max = options.maxWorkers ?? s.plan.defaults.maxWorkers;
  const running = new Map<string, { pid: number; exit: Promise<number>; detach(): void }>();
  let interrupted = false;
  const interrupt = () => {
    if (interrupted) return;
    interrupted = true;
    io.err('Stopping all workers; uncommitted work is checkpointed on each branch...');
    for (const [id, { pid }] of running) void stopOnceSupervised(s, id, pid);
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  let wake: () => void = () => undefined;
  const watcher = new RunWatcher(s.store, s.layout, ({ task, record }) => {
    if (record) io.out(JSON.stringify({ task, state: record.view.state, activity: record.view.activity ?? null, at: new Date().toISOString() }));
    if (record?.view.state === 'stalled' || (record?.view.state === 'failed' && record.view.exitCode === undefined)) {
      pending.push(checkpointAbandoned(s.layout, task, record.view.state === 'stalled' ? 'stalled' : 'is gone'));
    }
    wake();
  });
  const pending: Promise<unknown>[] = [];
  watcher.start();
  try {
    for (;;) {
      const { states } = currentStates(s);
      // A worker launched a moment ago may not have written its first heartbeat yet: it is starting, not ready.
      for (const id of running.keys()) if (states.get(id) === 'ready') states.set(id, 'starting');
      if (!interrupted) {
        for (const id of tasksToStart(s.plan, states, max)) {
          const launched = await launchHeadless(s, id, states);
          running.set(id, launched);
          if (interrupted) void stopOnceSupervised(s, id, launched.pid); // Ctrl-C came while it was being prepared
          states.set(id, 'starting');
          void launched.exit.then(() => {
            // A supervisor that ended without recording an exit was killed: save its worker's work now.
            const after = s.store.read(id)?.view;
            if (after?.state === 'failed' && after.exitCode === undefined) pending.push(checkpointAbandoned(s.layout, id, 'is gone'));
            running.delete(id);
            wake();
          });
        }
      }
      if (running.size === 0) break;
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
  const { states } = currentStates(s);
  const count = (state: TaskState) => s.plan.tasks.filter((t) => states.get(t.id) === state).map((t) => t.id);
  const review = count('review');
  const failed = [...count('failed'), ...count('stalled')];
  const waiting = count('blocked');
  io.err(
    [
      review.length ? `Ready for review: ${review.join(', ')}` : '',
      failed.length ? `Failed: ${failed.join(', ')} (see .baton/runs/<id>/output.log)` : '',
      waiting.length ? `Waiting for approvals: ${waiting.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('\n') || 'Nothing to run.',
  );
  if (interrupted) return 130;
  return failed.length ? 1 : 0;
}
