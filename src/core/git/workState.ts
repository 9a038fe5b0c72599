// The state of the work in a task's worktree, to tell whether gate results still describe it: the commit
// checked out, and a fingerprint of the uncommitted changes (which files, how, and what they hold now).
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runGit } from './merge';
import { STATUS_ARGS, statusEntries } from './statusEntries';
import { worktreeGitEnv } from './worktreeGit';

export interface WorkState {
  /** The commit checked out; undefined before the first commit. */
  head?: string;
  /** '' when nothing is uncommitted; else a hash of the status and of each changed file's content. */
  uncommitted: string;
}

/** Throws when git cannot tell, or the worktree's `.git` file was changed (worktreeGit.ts). */
export async function workState(root: string, worktree: string): Promise<WorkState> {
  const env = worktreeGitEnv(root, worktree);
  const [head, status] = await Promise.all([
    runGit(worktree, ['rev-parse', '--verify', '--quiet', 'HEAD'], env),
    runGit(worktree, STATUS_ARGS, env),
  ]);
  if (status.code !== 0) throw new Error(`git status failed in ${worktree}: ${status.stderr.trim()}`);
  const out: WorkState = { head: head.code === 0 ? head.stdout.trim() : undefined, uncommitted: '' };
  if (!status.stdout) return out;
  const h = createHash('sha256').update(status.stdout);
  // A rename's content is the new path's.
  for (const { path } of statusEntries(status.stdout)) h.update(`\0${path}\0`).update(contentOf(join(worktree, path)));
  out.uncommitted = h.digest('hex');
  return out;
}

function contentOf(file: string): Buffer | string {
  try {
    const st = lstatSync(file);
    if (st.isSymbolicLink()) return `link:${readlinkSync(file)}`;
    return st.isFile() ? readFileSync(file) : 'other';
  } catch {
    return 'missing';
  }
}

/** Why results recorded for `ranOn` no longer describe `now`, or undefined when they still do. */
export function workChangedSince(ranOn: { commit?: string; uncommitted?: string }, now: WorkState): string | undefined {
  // Results from before the commit was recorded cannot be judged: taken as they are.
  if (!ranOn.commit) return undefined;
  if (ranOn.commit !== now.head) return `they ran on commit ${ranOn.commit.slice(0, 7)}, and the branch is at ${now.head?.slice(0, 7) ?? 'no commit'} now`;
  // Recorded without the uncommitted state (older results): only the commit can be compared.
  if (ranOn.uncommitted === undefined) return undefined;
  if (ranOn.uncommitted !== now.uncommitted) return now.uncommitted ? 'the uncommitted changes in its worktree changed since they ran' : 'the uncommitted changes they ran with are gone';
  return undefined;
}

/**
 * The state gate results describe, from the states before and after the gates ran: what the gates wrote
 * themselves (build output, reports the repository does not ignore) belongs to it, or every run would
 * leave its own results stale; a commit made meanwhile does not, as the gates never saw all of it.
 */
export function testedState(before: WorkState | undefined, after: WorkState | undefined): WorkState | undefined {
  return before && after && after.head === before.head ? after : before;
}
