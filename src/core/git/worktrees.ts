// Git worktrees and branches for tasks, through simple-git (argument arrays, never a shell).
import { existsSync } from 'node:fs';
import { simpleGit, type SimpleGit } from 'simple-git';
import { branchName } from '../run/layout';

export interface WorktreeInfo {
  path: string;
  branch?: string;
  head?: string;
}

export function git(dir: string): SimpleGit {
  return simpleGit({ baseDir: dir, maxConcurrentProcesses: 4, trimmed: true });
}

/**
 * Makes (or reuses) the task's branch `baton/<id>` and its worktree at `dir`. The branch starts from
 * `base`, which holds the approved work of every dependency (approval merges into base).
 * Reuse keeps a previous run's commits: nothing a worker wrote is thrown away by a restart.
 */
export async function ensureWorktree(repoRoot: string, taskId: string, base: string, dir: string): Promise<{ created: boolean }> {
  const g = git(repoRoot);
  const branch = branchName(taskId);
  const existing = (await listWorktrees(repoRoot)).find((w) => w.branch === branch);
  if (existing) {
    if (existsSync(existing.path)) return { created: false };
    await g.raw(['worktree', 'prune']); // deleted by hand: forget it, then add it again below
  }
  // (simple-git resolves a failed command that printed nothing, so ask questions whose answer is output.)
  const baseOk = await g.raw(['rev-parse', '--verify', `${base}^{commit}`]).then(
    (out) => out.trim() !== '',
    () => false,
  );
  if (!baseOk) throw new Error(`The plan's base "${base}" is not a branch or commit in this repository. Set \`base:\` in the plan to an existing branch.`);
  const branchExists = (await g.raw(['branch', '--list', branch])).trim() !== '';
  if (branchExists) await g.raw(['worktree', 'add', dir, branch]);
  else await g.raw(['worktree', 'add', '-b', branch, dir, base]);
  return { created: true };
}

export async function listWorktrees(repoRoot: string): Promise<WorktreeInfo[]> {
  const out = await git(repoRoot).raw(['worktree', 'list', '--porcelain']);
  const list: WorktreeInfo[] = [];
  let current: WorktreeInfo | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) list.push((current = { path: line.slice(9) }));
    else if (current && line.startsWith('branch ')) current.branch = line.slice(7).replace(/^refs\/heads\//, '');
    else if (current && line.startsWith('HEAD ')) current.head = line.slice(5);
  }
  return list;
}

/** Commits everything uncommitted in the worktree, saying it is a checkpoint. Returns the new commit or undefined. */
export async function checkpoint(worktree: string, message: string): Promise<string | undefined> {
  if (!existsSync(worktree)) return undefined;
  const g = git(worktree);
  const status = await g.status();
  if (status.isClean()) return undefined;
  await g.raw(['add', '--all']);
  const identity = await hasIdentity(g) ? [] : ['-c', 'user.name=Baton', '-c', 'user.email=baton@localhost'];
  await g.raw([...identity, 'commit', '--no-verify', '--quiet', '-m', message]);
  return (await g.revparse(['HEAD'])).trim();
}

/** Commits on the task's branch that are not on base. */
export async function commitsAhead(worktree: string, base: string): Promise<number> {
  try {
    return Number(await git(worktree).raw(['rev-list', '--count', `${base}..HEAD`]));
  } catch {
    return 0;
  }
}

export async function hasUncommittedChanges(worktree: string): Promise<boolean> {
  if (!existsSync(worktree)) return false;
  return !(await git(worktree).status()).isClean();
}

async function hasIdentity(g: SimpleGit): Promise<boolean> {
  const email = await g.raw(['config', 'user.email']).catch(() => '');
  return email.trim() !== '';
}
