// Approving a task: the checks a person relies on (the worker is not writing, the gates passed, there is
// work to merge), then the task joins the merge queue. "Approve anyway" skips only the gate check, and the
// queue records that it did.
import { existsSync } from 'node:fs';
import { checkpoint } from '../git/worktrees';
import { runGit } from '../git/merge';
import type { Plan } from '../plan/model';
import { branchName, type BatonLayout } from './layout';
import { enqueue, type GateRun } from './mergeQueue';
import { updateResult } from './result';
import { APPROVABLE_STATES, type TaskState } from './states';
import { stopSupervisor } from './supervisor';
import { pidAlive } from './workerState';

export class ApprovalRefused extends Error {
  /** True when only the gates stand in the way: "Approve anyway" would go through. */
  constructor(message: string, readonly gatesOnly = false) {
    super(message);
  }
}

export interface ApproveRequest {
  layout: BatonLayout;
  plan: Plan;
  taskId: string;
  states: ReadonlyMap<string, TaskState>;
  /** The latest gate results in the worktree (result.json), if any were run. */
  gateResults: readonly GateRun[] | undefined;
  /** "Approve anyway": the gates have not passed and the person approves all the same. */
  force?: boolean;
  style: 'merge' | 'squash';
  /** The worker's supervisor pid (heartbeat); a supervisor still running is stopped (and checkpoints) first. */
  workerPid?: number;
  /** How to end that worker; default: signal its supervisor. (The extension closes its terminal first.) */
  stopWorker?: (pid: number) => Promise<unknown>;
}

/** The gates the task must pass, and which of them have not (missing or failing). */
export function gatesNotPassed(gates: readonly string[], results: readonly GateRun[] | undefined): string[] {
  return gates.filter((command) => {
    const r = results?.filter((g) => g.command === command).at(-1);
    return !r || r.exit_code !== 0;
  });
}

/** Refuses with ApprovalRefused (saying what to do), else queues the task; returns its place in the queue (0 = next). */
export async function approveTask(r: ApproveRequest): Promise<number> {
  const task = r.plan.tasks.find((t) => t.id === r.taskId);
  if (!task) throw new ApprovalRefused(`There is no task "${r.taskId}" in the plan.`);
  const state = r.states.get(task.id);
  if (state === 'approved') throw new ApprovalRefused(`"${task.id}" is already approved.`);
  if (state === 'queued') throw new ApprovalRefused(`"${task.id}" is already in the merge queue.`);
  if (!state || !APPROVABLE_STATES.has(state)) {
    const why =
      state === 'running' || state === 'starting'
        ? 'its worker is still writing; wait until it finishes its turn, or stop it'
        : state === 'blocked' || state === 'ready'
          ? 'it has no work yet; start a worker on it first'
          : `it is ${state ?? 'unknown'}`;
    throw new ApprovalRefused(`"${task.id}" cannot be approved now: ${why}.`);
  }
  const failing = gatesNotPassed(task.gates, r.gateResults);
  if (failing.length && !r.force) {
    const ran = r.gateResults && r.gateResults.length > 0;
    throw new ApprovalRefused(
      `"${task.id}" has gates that have not passed${ran ? '' : ' (they have not been run)'}: ${failing.join(', ')}. Run the gates (Baton: Run Gates, or baton gates ${task.id}), or approve anyway.`,
      true,
    );
  }
  // A worker at its prompt (interactive Claude Code stays there after its turn) ends before its branch merges,
  // so nothing writes to the worktree while it goes; its supervisor checkpoints on the way out.
  if (r.workerPid && pidAlive(r.workerPid)) await (r.stopWorker ?? stopSupervisor)(r.workerPid);
  // Uncommitted changes are part of what was reviewed: they go on the branch before it merges. (One cheap
  // status first, beside the count of commits: approval is on the path the person waits for.)
  const worktree = r.layout.worktree(task.id);
  const [status, ahead, baseTip] = await Promise.all([
    existsSync(worktree) ? runGit(worktree, ['status', '--porcelain', '--untracked-files=all']) : undefined,
    runGit(r.layout.root, ['rev-list', '--count', `refs/heads/${r.plan.base}..refs/heads/${branchName(task.id)}`]),
    runGit(r.layout.root, ['rev-parse', '--verify', '--quiet', `refs/heads/${r.plan.base}`]),
  ]);
  const saved = status?.code === 0 && status.stdout.trim() ? await checkpoint(worktree, `baton: checkpoint of ${task.id} — uncommitted work approved with it`).catch(() => undefined) : undefined;
  if (ahead.code !== 0) throw new ApprovalRefused(`"${task.id}" has no branch ${branchName(task.id)} to merge (or the base "${r.plan.base}" is missing).`);
  if (Number(ahead.stdout.trim()) === 0 && !saved) throw new ApprovalRefused(`"${task.id}" has nothing to merge: its branch has no commits that ${r.plan.base} lacks.`);
  // "Approve anyway" is the person's explicit word: kept with the task's result as well as in its history.
  if (failing.length) await updateResult(r.layout, task.id, { approved_anyway: true });
  return enqueue(r.layout, {
    task: task.id,
    title: task.title,
    base: r.plan.base,
    gates: task.gates,
    queued_at: new Date().toISOString(),
    style: r.style,
    ...(baseTip.code === 0 ? { base_tip: baseTip.stdout.trim() } : {}),
    ...(failing.length ? { forced: true } : {}),
  });
}

/** What a worker is told when its approved branch conflicts with the base that moved under it. */
export function rebaseInstruction(base: string, taskId: string, files: readonly string[]): string {
  return (
    `Your work on "${taskId}" was approved, but it conflicts with ${base}, which moved since you started` +
    (files.length ? ` (conflicting files: ${files.join(', ')})` : '') +
    `. Rebase your branch onto ${base} (git rebase ${base}), resolve the conflicts keeping both sides' intent, ` +
    `make sure the gates still pass, and commit. Then say you are done.`
  );
}
