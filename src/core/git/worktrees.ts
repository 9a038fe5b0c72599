// Git worktrees and branches for tasks, through simple-git (argument arrays, never a shell), except
// where noted for speed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleGit, type SimpleGit } from 'simple-git';
import { branchName } from '../run/layout';

const execFileAsync = promisify(execFile);

export function git(dir: string): SimpleGit {
  return simpleGit({ baseDir: dir, maxConcurrentProcesses: 4, trimmed: true });
}

/**
 * Makes (or reuses) the task's branch `baton/<id>` and its worktree at `dir`. The branch starts from
 * `base`, which holds the approved work of every dependency (approval merges into base).
 * Reuse keeps a previous run's commits: nothing a worker wrote is thrown away by a restart.
 * The usual case is a single `git worktree add`; the rarer cases are handled when git says why it failed.
 */
export async function ensureWorktree(repoRoot: string, taskId: string, base: string, dir: string): Promise<{ created: boolean }> {
  const branch = branchName(taskId);
  if (existsSync(join(dir, '.git'))) return { created: false };
  // Plain execFile (still an argument array) on this one call: it is the whole cost of starting a worker,
  // and simple-git adds about 40 ms to each command here (measured in npm run bench).
  const add = (args: string[]) =>
    execFileAsync('git', ['worktree', 'add', '--quiet', ...args], { cwd: repoRoot }).then(
      () => undefined,
      (e: { stderr?: string; message: string }) => String(e.stderr || e.message),
    );
  let failure = await add(['-b', branch, dir, base]);
  if (failure === undefined) return { created: true };
  if (/already exists/.test(failure) && /branch/.test(failure)) {
    // The branch survives from an earlier run (its worktree was removed): check it out again.
    failure = await add([dir, branch]);
    if (failure !== undefined && /already (checked out|used by worktree)|missing but locked|is a missing/.test(failure)) {
      await git(repoRoot).raw(['worktree', 'prune']); // deleted by hand: forget the old registration
      failure = await add([dir, branch]);
    }
    if (failure === undefined) return { created: true };
  }
  if (/invalid reference|not a valid object name|invalid ref/i.test(failure)) {
    throw new Error(`The plan's base "${base}" is not a branch or commit in this repository. Set \`base:\` in the plan to an existing branch.`);
  }
  throw new Error(`Could not create the worktree for "${taskId}": ${failure.trim()}`);
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
