// After a merge: the task's worktree and branch go, in one way for the extension and `baton`. Kept when
// the person keeps them (baton.keepWorktreeAfterApproval, BATON_KEEP_WORKTREES=1), and kept, with the
// files named, when the worktree holds files its branch does not: what a worker wrote after its last
// checkpoint, a secret the checkpoint left out on purpose. Those are never deleted without the person.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listUncommitted, looksLikeSecret, removeTaskWorktree } from '../git/worktrees';
import { runGit } from '../git/merge';
import { statusEntries } from '../git/statusEntries';
import { worktreeGitEnv } from '../git/worktreeGit';
import { appendEvent, readEvents } from './events';
import type { BatonLayout } from './layout';

export type MergeStyle = 'merge' | 'squash';

export type AfterMerge =
  | { outcome: 'removed' }
  /** `setting`: the person keeps worktrees. `files`: what only the worktree holds (kept with its branch). */
  | { outcome: 'kept'; setting: true }
  | { outcome: 'kept'; setting: false; files: string[]; message: string }
  | { outcome: 'failed'; message: string };

/** The CLI's word for "keep worktrees after approval", the same rule as the extension's setting. */
export function keepWorktreesFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BATON_KEEP_WORKTREES === '1';
}

/**
 * Removes a merged task's worktree and branch, unless `keep`, or the worktree holds files the branch
 * does not (then both stay, an event `worktree_kept` names the files, and the message says how to delete
 * them). `style`: how the entry was merged, as it was approved (not the current setting); when unknown,
 * as its `queued` event says. Never throws.
 */
export async function cleanupAfterMerge(
  layout: BatonLayout,
  taskId: string,
  options: { base: string; style?: MergeStyle; keep: boolean; discardHint?: string },
): Promise<AfterMerge> {
  if (options.keep) return { outcome: 'kept', setting: true };
  const worktree = layout.worktree(taskId);
  try {
    const files = existsSync(worktree) ? await filesOnlyInWorktree(layout.root, worktree) : [];
    if (files.length) {
      appendEvent(layout.events(taskId), { type: 'worktree_kept', at: new Date().toISOString(), files });
      const shown = files.slice(0, 10).join(', ') + (files.length > 10 ? `, and ${files.length - 10} more` : '');
      const where = relative(layout.root, worktree) || worktree;
      const message = `kept ${where} and its branch: it holds ${files.length === 1 ? 'a file' : 'files'} its branch does not (${shown}). Copy what you need, then delete it with ${options.discardHint ?? `baton discard ${taskId}`}.`;
      return { outcome: 'kept', setting: false, files, message };
    }
    const style = options.style ?? queuedStyle(layout, taskId);
    // Not forced: a file written after the check above makes git refuse, and the worktree stays.
    await removeTaskWorktree(layout.root, taskId, { base: options.base, worktree, deleteBranch: true, force: false, squashed: style === 'squash' });
    return { outcome: 'removed' };
  } catch (e) {
    return { outcome: 'failed', message: (e as Error).message };
  }
}

function queuedStyle(layout: BatonLayout, taskId: string): MergeStyle {
  const queued = readEvents(layout.events(taskId)).filter((e) => e.type === 'queued').at(-1);
  return queued?.style === 'squash' ? 'squash' : 'merge';
}

/**
 * What removing the worktree would lose: every uncommitted change and untracked file, and the ignored
 * files that look like secrets (a `.env` set up there) unless the main checkout has the same file. The
 * rest of what a repository ignores is build output and caches, made again by the next build. Baton's own
 * `.baton/` is not the task's.
 */
export async function filesOnlyInWorktree(root: string, worktree: string): Promise<string[]> {
  const ours = (path: string) => path === '.baton' || path.startsWith('.baton/');
  const uncommitted = (await listUncommitted(root, worktree)).filter((p) => !ours(p));
  const r = await runGit(worktree, ['status', '--porcelain=v1', '-z', '--ignored=traditional', '--untracked-files=normal'], worktreeGitEnv(root, worktree));
  if (r.code !== 0) throw new Error(`git status failed in ${worktree}: ${r.stderr.trim()}`);
  const ignored = statusEntries(r.stdout)
    .filter((e) => e.code === '!!' && !ours(e.path))
    .map((e) => e.path)
    .filter((p) => looksLikeSecret(p.replace(/\/$/, '')) && !sameFile(join(worktree, p), join(root, p)));
  return [...new Set([...uncommitted, ...ignored])];
}

function sameFile(a: string, b: string): boolean {
  try {
    return readFileSync(a).equals(readFileSync(b));
  } catch {
    return false;
  }
}
