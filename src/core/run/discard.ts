// Discard Task: the one way Baton throws work away. The caller shows describeLoss() first and asks;
// then the worktree and branch go, and the history says what was lost. The run folder stays (history).
// A merged task's kept worktree (cleanup.ts) goes the same way, and the task stays approved.
import { rmSync } from 'node:fs';
import { describeLoss, removeTaskWorktree, type Loss } from '../git/worktrees';
import { appendEvent, readEvents } from './events';
import type { BatonLayout } from './layout';

export async function lossFor(layout: BatonLayout, taskId: string, base: string): Promise<Loss> {
  const loss = await describeLoss(layout.root, taskId, { base, worktree: layout.worktree(taskId) });
  // A squashed branch's commits are not ancestors of the base, but their work is on it.
  return merged(layout, taskId) ? { ...loss, commits: [] } : loss;
}

/** Whether the task's latest outcome is its merge: its branch's work is on the base. */
function merged(layout: BatonLayout, taskId: string): boolean {
  const last = readEvents(layout.events(taskId)).filter((e) => ['approved', 'prepare', 'launch', 'discarded'].includes(e.type)).at(-1);
  return last?.type === 'approved';
}

/** Removes the task's worktree and branch whatever they hold; the worker must be stopped first. */
export async function discardTask(layout: BatonLayout, taskId: string, base: string): Promise<Loss> {
  const after = merged(layout, taskId);
  const { loss } = await removeTaskWorktree(layout.root, taskId, { base, worktree: layout.worktree(taskId), deleteBranch: true, force: true });
  const record = after ? { ...loss, commits: [] } : loss;
  // The old summary and gate results describe work that no longer exists; a merged task's stay its record.
  if (!after) rmSync(layout.result(taskId), { force: true });
  appendEvent(layout.events(taskId), {
    // Not "discarded" for a merged task: its work is on the base, and it stays approved.
    type: after ? 'worktree_removed' : 'discarded',
    at: new Date().toISOString(),
    branch: record.branch,
    commits: record.commits.length,
    shas: record.commits.map((c) => c.sha),
    uncommitted: record.uncommitted,
  });
  return record;
}
