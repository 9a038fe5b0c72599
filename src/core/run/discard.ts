// Discard Task: the one way Baton throws work away. The caller shows describeLoss() first and asks;
// then the worktree and branch go, and the history says what was lost. The run folder stays (history).
import { rmSync } from 'node:fs';
import { describeLoss, removeTaskWorktree, type Loss } from '../git/worktrees';
import { appendEvent } from './events';
import type { BatonLayout } from './layout';

export function lossFor(layout: BatonLayout, taskId: string, base: string): Promise<Loss> {
  return describeLoss(layout.root, taskId, { base, worktree: layout.worktree(taskId) });
}

/** Removes the task's worktree and branch whatever they hold; the worker must be stopped first. */
export async function discardTask(layout: BatonLayout, taskId: string, base: string): Promise<Loss> {
  const { loss } = await removeTaskWorktree(layout.root, taskId, { base, worktree: layout.worktree(taskId), deleteBranch: true, force: true });
  // The old summary and gate results describe work that no longer exists.
  rmSync(layout.result(taskId), { force: true });
  appendEvent(layout.events(taskId), {
    type: 'discarded',
    at: new Date().toISOString(),
    branch: loss.branch,
    commits: loss.commits.length,
    shas: loss.commits.map((c) => c.sha),
    uncommitted: loss.uncommitted,
  });
  return loss;
}
