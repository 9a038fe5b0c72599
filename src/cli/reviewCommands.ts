// `baton review | gates | discard`: the person's side of judging a task's work, from a terminal.
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Task } from '../core/plan/model';
import { lossFor, discardTask } from '../core/run/discard';
import { gatesPassed, runTaskGates } from '../core/run/gates';
import { describeLossText, lossIsEmpty } from '../core/git/worktrees';
import { gatherReview, gateLine, reviewText } from '../core/run/reviewSummary';
import { LIVE_STATES } from '../core/run/states';
import { UsageError, type Output } from './planCommands';
import { readEvents, appendEvent } from '../core/run/events';
import { lastSession } from '../core/run/hookIntake';
import { LaunchRefused } from '../core/run/launch';
import { currentStates, launchHeadless, openSession, preReviewFor, type Session } from './workerCommands';

function taskOf(s: Session, taskId: string): Task {
  const task = s.plan.tasks.find((t) => t.id === taskId);
  if (!task) throw new UsageError(`there is no task "${taskId}" in ${s.plan.file}. Run "baton status" to see the tasks.`);
  return task;
}

export async function reviewCommand(planFile: string, taskId: string, json: boolean, io: Output): Promise<number> {
  const s = openSession(planFile);
  const task = taskOf(s, taskId);
  const state = currentStates(s).states.get(taskId) ?? 'blocked';
  let input;
  try {
    input = await gatherReview(s.layout, task, s.plan.base, state);
  } catch (e) {
    io.err(`baton: ${(e as Error).message}`);
    return 1;
  }
  if (json) {
    const { review, result, history, merge } = input;
    io.out(JSON.stringify({ task: task.id, state, ...review, result: result ?? null, history, merge: merge ?? null }));
  } else io.out(reviewText(input, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR));
  return 0;
}

/** `baton pre-review <task>`: the AI pre-review now, for a task whose work waits for review. */
export async function preReviewCommand(planFile: string, taskId: string, io: Output): Promise<number> {
  const s = openSession(planFile);
  taskOf(s, taskId);
  const state = currentStates(s).states.get(taskId);
  if (state === 'starting' || state === 'running') {
    io.err(`baton: "${taskId}" is still ${state.replace(/_/g, ' ')}; a pre-review reads finished work. Wait until it is in review.`);
    return 1;
  }
  if (!existsSync(s.layout.worktree(taskId))) {
    io.err(`baton: "${taskId}" has no worktree to review (it never started, or was approved or discarded).`);
    return 1;
  }
  const outcome = await preReviewFor(s, taskId, { out: io.out, err: () => undefined }, true);
  if (!outcome) {
    io.out(`"${taskId}" at its current commit already has a pre-review (or one is under way): baton review ${taskId} shows it.`);
    return 0;
  }
  if (outcome.status === 'failed') {
    io.err(`baton: the pre-review of ${taskId} failed: ${outcome.error}`);
    return 1;
  }
  io.out(outcome.summary ?? '');
  return 0;
}

/** Runs the task's gates in its worktree, printing their output as it comes; exit 0 when all pass. */
export async function gatesCommand(planFile: string, taskId: string, io: Output): Promise<number> {
  const s = openSession(planFile);
  const task = taskOf(s, taskId);
  if (task.gates.length === 0) {
    io.out(`"${taskId}" has no gates (add \`gates:\` to the task or to the plan's defaults).`);
    return 0;
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  let partial = '';
  const flush = () => {
    if (partial) io.out(partial);
    partial = '';
  };
  try {
    const results = await runTaskGates(s.layout, taskId, task.gates, {
      signal: controller.signal,
      onStart: (command, i) => {
        flush();
        io.out(`▶ ${command}  (${i + 1}/${task.gates.length})`);
      },
      onOutput: (_command, chunk) => {
        // Whole lines only, so the output reads the same through any pipe.
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) io.out(line);
      },
    });
    flush();
    io.out('');
    for (const r of results) io.out(gateLine(r));
    for (const g of task.gates.slice(results.length)) io.out(`· ${g} (not run)`);
    const passed = gatesPassed(results, task.gates);
    io.out(passed ? `Gates passed for ${taskId}.` : `Gates failed for ${taskId}; whole output in ${s.layout.gatesDir(taskId)}.`);
    return passed ? 0 : 1;
  } catch (e) {
    io.err(`baton: ${(e as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
  }
}

/** Says exactly what would be lost, asks (or takes --yes), then removes the worktree and branch. */
export async function discardCommand(planFile: string, taskId: string, yes: boolean, io: Output): Promise<number> {
  const s = openSession(planFile);
  taskOf(s, taskId);
  const state = currentStates(s).states.get(taskId);
  if (state && LIVE_STATES.has(state)) {
    io.err(`baton: "${taskId}" has a running worker; stop it first (baton stop ${taskId}).`);
    return 1;
  }
  const loss = await lossFor(s.layout, taskId, s.plan.base);
  if (!loss.worktreeExists && !loss.branchExists) {
    io.err(`baton: "${taskId}" has no worktree or branch to discard.`);
    return 1;
  }
  io.out(`Discarding "${taskId}" removes its worktree and the branch ${loss.branch}, losing ${describeLossText(loss)}.`);
  if (!yes) {
    if (!process.stdin.isTTY) {
      io.err('baton: nothing discarded. Run again with --yes to confirm.');
      return 2;
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(lossIsEmpty(loss) ? 'Discard? [y/N] ' : 'This cannot be undone. Discard? [y/N] ');
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.out('Nothing discarded.');
      return 1;
    }
  }
  await discardTask(s.layout, taskId, s.plan.base);
  io.out(state === 'approved' ? `Removed the worktree and branch of "${taskId}"; its work is merged, and it stays approved.` : `Discarded "${taskId}". It can start again from ${s.plan.base}.`);
  return 0;
}

/**
 * `baton changes TASK "feedback"`: for a worker that has exited (headless), starts a worker on the same
 * worktree resuming its Claude Code conversation with the feedback, and waits for it unless --detach.
 */
export async function changesCommand(planFile: string, taskId: string, feedback: string, detach: boolean, io: Output): Promise<number> {
  const s = openSession(planFile);
  taskOf(s, taskId);
  if (!feedback.trim()) throw new UsageError('changes needs your feedback: baton changes TASK "what to change"');
  const { states } = currentStates(s);
  const state = states.get(taskId);
  if (state && LIVE_STATES.has(state)) {
    io.err(`baton: "${taskId}" has a running worker; type your feedback into its session instead.`);
    return 1;
  }
  if (!existsSync(s.layout.worktree(taskId))) {
    io.err(`baton: "${taskId}" has no worktree (it never started, or was discarded): start it instead.`);
    return 1;
  }
  const session = lastSession(readEvents(s.layout.events(taskId)));
  const message = `The reviewer asks for changes: ${feedback.trim()} When you are done, commit, and hand over again with baton report done.`;
  appendEvent(s.layout.events(taskId), { type: 'changes-requested', at: new Date().toISOString(), feedback: feedback.trim(), via: 'resume', ...(session ? { session } : {}) });
  try {
    const worker = await launchHeadless(s, taskId, states, { message, session });
    io.out(`${taskId} ${session ? 'resumes its conversation' : 'starts again with the task and your feedback'} (supervisor pid ${worker.pid}).`);
    if (detach) {
      worker.detach();
      return 0;
    }
    const code = await worker.exit;
    const after = currentStates(s).states.get(taskId);
    io.out(`${taskId}: ${after?.replace(/_/g, ' ') ?? 'finished'}.`);
    return code === 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof LaunchRefused) {
      io.err(`baton: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
