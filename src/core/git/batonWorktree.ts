// Is this folder one of Baton's task worktrees? Opened in a window of its own, it must show its task and
// read state from the main repository's `.baton/`, never make a second `.baton/` or start the task again.
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TASK_ID_PATTERN } from '../plan/model';

const execFileAsync = promisify(execFile);

export interface BatonWorktree {
  taskId: string;
  /** The worktree's top folder. */
  worktree: string;
  /** The main working tree: where `.baton/` is. */
  mainRoot: string;
}

/**
 * A Baton worktree is a linked worktree of a repository whose main working tree holds `.baton/`, and
 * which is `.baton/worktrees/<id>` there or is on branch `baton/<id>` (worktrees may live elsewhere).
 */
export async function findBatonWorktree(dir: string): Promise<BatonWorktree | undefined> {
  const git = (...args: string[]) =>
    execFileAsync('git', args, { cwd: dir, encoding: 'utf8' }).then(
      (r) => r.stdout.trim(),
      () => undefined,
    );
  const [top, common, branch] = await Promise.all([
    git('rev-parse', '--show-toplevel'),
    git('rev-parse', '--path-format=absolute', '--git-common-dir'),
    git('symbolic-ref', '--short', '-q', 'HEAD'),
  ]);
  if (!top || !common || basename(common) !== '.git') return undefined;
  const mainRoot = real(dirname(common));
  const worktree = real(top);
  if (worktree === mainRoot || !existsSync(join(mainRoot, '.baton'))) return undefined;
  const inWorktrees = dirname(worktree) === real(join(mainRoot, '.baton', 'worktrees')) ? basename(worktree) : undefined;
  const fromBranch = branch?.startsWith('baton/') ? branch.slice('baton/'.length) : undefined;
  const taskId = fromBranch ?? inWorktrees;
  if (!taskId || !TASK_ID_PATTERN.test(taskId)) return undefined;
  return { taskId, worktree, mainRoot };
}

function real(path: string): string {
  try {
    return realpathSync(resolve(path));
  } catch {
    return resolve(path);
  }
}
