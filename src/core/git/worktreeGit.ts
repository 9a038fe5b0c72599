// Running git in a task's worktree without trusting anything the worker wrote there. A linked worktree
// finds its repository through the `.git` file at its root, and the worker can rewrite that file to name a
// git folder of its own, whose config (core.fsmonitor, diff.external, a filter…) git would then run as the
// person. So Baton never lets git read that file: every git command it runs in a worktree names the git
// folder the repository registered for it (GIT_DIR, GIT_WORK_TREE), and a `.git` file that no longer
// points there is refused, visibly, instead of being silently bypassed.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export class WorktreeGitChanged extends Error {}

const commonDirs = new Map<string, string>();

/** The repository's own git folder (shared by all its worktrees), from the person's checkout. */
function commonDir(root: string): string {
  let dir = commonDirs.get(root);
  if (dir === undefined) {
    const dotGit = join(root, '.git');
    dir = existsSync(dotGit) && lstatSync(dotGit).isDirectory()
      ? realpathSync(dotGit)
      : realpathSync(execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: root, encoding: 'utf8' }).trim());
    commonDirs.set(root, dir);
  }
  return dir;
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** What a `gitdir` line names, resolved as git resolves it (relative to the file's folder). */
function gitdirOf(file: string): string | undefined {
  try {
    const line = /^gitdir: (.*)$/m.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
    if (!line) return undefined;
    return isAbsolute(line) ? line : resolve(dirname(file), line);
  } catch {
    return undefined;
  }
}

/**
 * The git folder the repository at `root` registered for the worktree at `worktree`
 * (`<common dir>/worktrees/<name>`), after checking that the worktree's `.git` is a plain file that points
 * there; throws WorktreeGitChanged otherwise, having run nothing.
 */
export function registeredGitDir(root: string, worktree: string): string {
  const realWorktree = realOrUndefined(worktree);
  if (!realWorktree) throw new WorktreeGitChanged(`the worktree ${worktree} is missing.`);
  const dotGit = join(realWorktree, '.git');
  const registrations = join(commonDir(root), 'worktrees');
  // The registration whose back-pointer names this worktree: in the repository's own git folder, which
  // git wrote when it made the worktree and the worktree itself cannot reach.
  let registered: string | undefined;
  for (const name of existsSync(registrations) ? readdirSync(registrations) : []) {
    const back = readBackPointer(join(registrations, name, 'gitdir'));
    if (back && realOrUndefined(back) === dotGit) {
      registered = join(registrations, name);
      break;
    }
  }
  const where = registered ?? `a folder in ${registrations} (git has none registered for this worktree)`;
  // Not `git worktree repair`: it follows the changed file, and would write into the worker's git folder.
  const restore = registered ? `restore the file (write "gitdir: ${registered}" into ${dotGit})` : 'restore the file';
  const refuse = (pointsAt: string) =>
    new WorktreeGitChanged(
      `the worktree's .git file was changed: it points at ${pointsAt}, not ${where}; Baton runs no git command there. ` +
        `Look at what the worker left in ${worktree}, then ${restore} or delete that folder yourself.`,
    );
  let st;
  try {
    st = lstatSync(dotGit);
  } catch {
    throw refuse('nothing (it is missing)');
  }
  if (st.isSymbolicLink()) throw refuse(`a symbolic link to ${realOrUndefined(dotGit) ?? 'nothing'}`);
  if (!st.isFile()) throw refuse(`a ${st.isDirectory() ? 'folder' : 'special file'} in its place`);
  const named = gitdirOf(dotGit);
  if (!named) throw refuse('no git folder (it has no "gitdir:" line)');
  const real = realOrUndefined(named);
  if (!registered || real !== realOrUndefined(registered)) throw refuse(real ?? named);
  return registered;
}

/** A registration's `gitdir` file holds a bare path (no "gitdir:" prefix). */
function readBackPointer(file: string): string | undefined {
  try {
    const line = readFileSync(file, 'utf8').trim();
    if (!line) return undefined;
    return isAbsolute(line) ? line : resolve(dirname(file), line);
  } catch {
    return undefined;
  }
}

/**
 * The environment for every git command Baton runs in a task's worktree: the registered git folder and
 * work tree named outright, so git never reads the worktree's `.git` file, and no file system monitor,
 * whatever a config says. Throws WorktreeGitChanged when the `.git` file was changed (see registeredGitDir).
 */
export function worktreeGitEnv(root: string, worktree: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const gitDir = registeredGitDir(root, worktree);
  // Appended to any config the person passes the same way, not in place of it.
  const count = Number(env.GIT_CONFIG_COUNT) > 0 ? Number(env.GIT_CONFIG_COUNT) : 0;
  return {
    GIT_DIR: gitDir,
    GIT_WORK_TREE: realpathSync(worktree),
    GIT_CONFIG_COUNT: String(count + 1),
    [`GIT_CONFIG_KEY_${count}`]: 'core.fsmonitor',
    [`GIT_CONFIG_VALUE_${count}`]: 'false',
  };
}
