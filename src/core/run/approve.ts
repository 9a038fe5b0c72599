// Approving a task: the checks a person relies on (the worker is not writing, the gates passed, there is
// work to merge), then the task joins the merge queue. "Approve anyway" skips only the gate check, and the
// queue records that it did.
import { existsSync } from 'node:fs';
import { checkpoint } from '../git/worktrees';
import { branchStatus, type BranchStatus } from '../git/statusEntries';
import { worktreeGitEnv, WorktreeGitChanged } from '../git/worktreeGit';
import { branchTips, commitMerge, mergeCommit, runGit } from '../git/merge';
import type { Plan } from '../plan/model';
import { branchName, type BatonLayout } from './layout';
import { enqueue, mergeMessage, readQueue, type GateRun } from './mergeQueue';
import { isCurrent, readMergePreview, trustedTree } from './mergePreview';
import { gatesStale } from './gates';
import { readResult, updateResult } from './result';
import { changedPaths, statePaths, stateRefusal } from './stateFolder';
import { APPROVABLE_STATES, type TaskState } from './states';
import { liveSupervisor, stopSupervisor } from './supervisor';

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
  /**
   * How to end a worker whose supervisor still runs (it checkpoints on the way out), given the pid
   * liveSupervisor checked; default: signal that supervisor. (The extension closes its terminal first.)
   */
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
  // Every git command below that runs in the worktree names the git folder the repository registered for
  // it; a `.git` file the worker changed refuses the approval here, before anything runs or stops.
  const worktree = r.layout.worktree(task.id);
  try {
    if (existsSync(worktree)) worktreeGitEnv(r.layout.root, worktree);
  } catch (e) {
    if (e instanceof WorktreeGitChanged) throw new ApprovalRefused(`"${task.id}" cannot be approved: ${e.message}`);
    throw e;
  }
  // Passing results count only while they describe the work as it is now. Checked before the worker is
  // stopped: its checkpoint on the way out commits the very changes the gates saw, but moves the branch.
  const stale = task.gates.length && !failing.length ? await gatesStale(r.layout, task.id, readResult(r.layout, task.id)) : undefined;
  if (stale && !r.force) {
    throw new ApprovalRefused(
      `"${task.id}" passed its gates, but not on its work as it is now: ${stale}. Run the gates again (Baton: Run Gates, or baton gates ${task.id}), or approve anyway.`,
      true,
    );
  }
  const anyway = failing.length > 0 || stale !== undefined;
  // A worker at its prompt (interactive Claude Code stays there after its turn) ends before its branch merges,
  // so nothing writes to the worktree while it goes; its supervisor checkpoints on the way out.
  // Only the supervisor Baton launched, checked now: never a pid a worker wrote into its heartbeat.
  const supervisor = liveSupervisor(r.layout, task.id);
  if (supervisor !== undefined) await (r.stopWorker ?? stopSupervisor)(supervisor);
  const root = r.layout.root;
  const base = r.plan.base;
  const branch = branchName(task.id);
  const [baseTip, tip] = await branchTips(root, [base, branch]);
  if (!tip || !baseTip) throw new ApprovalRefused(`"${task.id}" has no branch ${branch} to merge (or the base "${base}" is missing).`);
  // Approval is on the path the person waits for, so the git work overlaps: one status of the worktree (its
  // uncommitted changes, and how far the branch is ahead of the base), and, when this task will be merged
  // next, the merge itself, computed in the object database only. The queue uses that merge only if neither
  // branch has moved since; whatever was computed in vain is an unreferenced object that git collects.
  const queue = readQueue(r.layout);
  const next = queue.entries.length === 0 && !queue.current && tip !== baseTip;
  // The merge first: it is the longer chain, and starting a process holds this thread. The tree is usually
  // made already: the merge preview of these very commits, from when the task entered review.
  const request = { root, base: baseTip, branch: tip, style: r.style, message: mergeMessage(task.id, task.title, branch, r.style) };
  const preview = next ? readMergePreview(r.layout, task.id) : undefined;
  const tree = preview && isCurrent(preview, base, baseTip, tip) ? trustedTree(preview) : undefined;
  const speculative = !next
    ? undefined
    : (tree ? commitMerge(request, tree).then((commit) => ({ ok: true as const, commit, tree })) : mergeCommit(request)).catch(() => undefined);
  const [status, committed] = await Promise.all([existsSync(worktree) ? worktreeStatus(root, worktree, branch, base) : undefined, changedPaths(root, baseTip, tip, true)]);
  // Baton's own state never merges: neither on the branch nor waiting in the worktree (refused before anything is written).
  const carried = statePaths(r.layout, [...committed, ...(status?.paths ?? [])]);
  if (carried.length) throw new ApprovalRefused(stateRefusal(task.id, carried));
  // Uncommitted changes are part of what was reviewed: they go on the branch before it merges.
  const saved = status?.dirty ? await checkpoint(root, worktree, `baton: checkpoint of ${task.id} — uncommitted work approved with it`) : undefined;
  const onBranch = status?.branch === branch && status.head === tip;
  const ahead = tip === baseTip ? 0 : onBranch && status.ahead !== undefined ? status.ahead : await aheadCount(root, baseTip, tip);
  if (ahead === 0 && !saved?.commit) {
    if (saved?.error) throw new ApprovalRefused(`"${task.id}" has uncommitted changes that could not be committed to merge them: ${saved.error}`);
    throw new ApprovalRefused(`"${task.id}" has nothing to merge: its branch has no commits that ${base} lacks.`);
  }
  // "Approve anyway" is the person's explicit word: kept with the task's result as well as in its history.
  if (anyway) await updateResult(r.layout, task.id, { approved_anyway: true });
  const merged = await speculative;
  const prepared = merged?.ok && !saved?.commit && (!status || onBranch) ? { base: baseTip, branch: tip, commit: merged.commit } : undefined;
  return enqueue(r.layout, {
    task: task.id,
    title: task.title,
    base,
    gates: task.gates,
    queued_at: new Date().toISOString(),
    style: r.style,
    ...(prepared ? { prepared } : {}),
    ...(anyway ? { forced: true } : {}),
  });
}

/**
 * `git status` of a task's worktree, which also counts the commits its branch has over the base: for this
 * one call the base is named as the branch's upstream (a local one, remote "."), so git reports it in
 * `# branch.ab`. Nothing is written to the repository's config.
 */
async function worktreeStatus(root: string, worktree: string, branch: string, base: string): Promise<BranchStatus> {
  const r = await runGit(
    worktree,
    ['-c', `branch.${branch}.remote=.`, '-c', `branch.${branch}.merge=refs/heads/${base}`, 'status', '--porcelain=v2', '-z', '--branch', '--untracked-files=all'],
    worktreeGitEnv(root, worktree),
  );
  return r.code === 0 ? branchStatus(r.stdout) : { dirty: false, paths: [] };
}

async function aheadCount(root: string, base: string, tip: string): Promise<number> {
  const r = await runGit(root, ['rev-list', '--count', `${base}..${tip}`]);
  if (r.code !== 0) throw new Error(`git rev-list failed: ${r.stderr.trim()}`);
  return Number(r.stdout.trim());
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
