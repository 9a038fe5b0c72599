// Git worktrees and branches for tasks, through simple-git (argument arrays, never a shell), except
// where noted for speed.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import picomatch from 'picomatch';
import { simpleGit, type SimpleGit } from 'simple-git';
import { branchName } from '../run/layout';
import { isStatePath } from '../run/stateFolder';
import { runGit } from './merge';
import { STATUS_ARGS, statusEntries } from './statusEntries';
import { worktreeGitEnv } from './worktreeGit';

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
  const run = (args: string[]) =>
    execFileAsync('git', args, { cwd: repoRoot }).then(
      (r) => ({ out: String(r.stdout), failure: undefined as string | undefined }),
      (e: { stderr?: string; message: string }) => ({ out: '', failure: String(e.stderr || e.message) }),
    );
  // Plain execFile (still an argument array) on these calls: they are the whole cost of starting a worker,
  // and simple-git adds about 40 ms to each command here (measured in npm run bench).
  const add = async (args: string[]) => (await run(['worktree', 'add', '--quiet', ...args])).failure;
  let failure = await add(['-b', branch, '--end-of-options', dir, base]);
  if (failure === undefined) return { created: true };
  if (/already exists/.test(failure) && /branch/.test(failure)) {
    // The branch survives from an earlier run (its worktree was removed): check it out again.
    failure = await add(['--end-of-options', dir, branch]);
    if (failure !== undefined && /already (checked out|used by worktree)|missing but locked|is a missing/.test(failure)) {
      // Deleted by hand: forget that one registration. Never `git worktree prune`, which would also forget
      // the person's own worktrees on a drive that is not mounted right now.
      await forgetMissingWorktrees(repoRoot, branch, dir);
      failure = await add(['--end-of-options', dir, branch]);
    }
    if (failure === undefined) return { created: true };
  }
  if (/invalid reference|not a valid object name|invalid ref|unknown switch|unknown option/i.test(failure)) {
    throw new Error(`The plan's base "${base}" is not a branch or commit in this repository. Set \`base:\` in the plan to an existing branch.`);
  }
  throw new Error(`Could not create the worktree for "${taskId}": ${failure.trim()}`);
}

/** Removes the registrations of Baton's own worktrees (at `dir`, or holding `branch`) whose folder is gone. */
async function forgetMissingWorktrees(repoRoot: string, branch: string, dir: string): Promise<void> {
  const { stdout } = await execFileAsync('git', ['worktree', 'list', '--porcelain'], { cwd: repoRoot });
  for (const entry of stdout.split('\n\n')) {
    const path = /^worktree (.*)$/m.exec(entry)?.[1];
    if (!path || existsSync(path)) continue;
    const ours = resolve(path) === resolve(dir) || entry.split('\n').includes(`branch refs/heads/${branch}`);
    // Twice --force: a missing worktree may be locked. The folder is gone, so nothing on disk is removed.
    if (ours) await execFileAsync('git', ['worktree', 'remove', '--force', '--force', path], { cwd: repoRoot }).catch(() => undefined);
  }
}

/**
 * New files that look like secrets or credentials: a checkpoint leaves them out (the person decides), even
 * where the repository does not ignore them. Matched against the file's name, or its path for the ones
 * with a folder.
 */
export const SECRET_PATTERNS = [
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  '*.keystore',
  '*.jks',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  'credentials',
  'credentials.*',
  '*credentials*.json',
  'service-account*.json',
  'secrets.*',
  '*.secret',
  '.npmrc',
  '.pypirc',
  '.netrc',
  '.htpasswd',
  '**/.aws/**',
  '**/.ssh/**',
];
/** Look like secrets by name but are meant to be shared. */
const NOT_SECRET = ['.env.example', '.env.sample', '.env.template', '*.pub'];
const isSecretName = picomatch(SECRET_PATTERNS.filter((p) => !p.includes('/')), { dot: true, basename: true, ignore: NOT_SECRET });
const isSecretPath = picomatch(SECRET_PATTERNS.filter((p) => p.includes('/')), { dot: true });

/** Where Claude Code's sandbox keeps its own scratch in the working folder (sandbox.ts): never checkpointed. */
export const SANDBOX_SCRATCH = '.claude/.cc-writes/';

export function looksLikeSecret(path: string): boolean {
  return isSecretName(path) || isSecretPath(path);
}

export interface CheckpointResult {
  /** The checkpoint commit, when one was made. */
  commit?: string;
  /** New files left out because they look like secrets, and any change in a `.baton` folder (Baton's state, never committed). */
  leftOut: string[];
  /** Why the checkpoint failed (git's own words and what to do); the work is still only on disk. */
  error?: string;
}

/**
 * Commits what `git status` shows as the worker's changes (what the repository ignores stays out), saying
 * it is a checkpoint, except new files that look like secrets, which are listed instead. Never throws:
 * a failure comes back as `error`, so no caller can claim a checkpoint that did not happen. `root`: the
 * repository's checkout, whose registration of the worktree git is told to use (worktreeGit.ts).
 */
export async function checkpoint(root: string, worktree: string, message: string): Promise<CheckpointResult> {
  if (!existsSync(worktree)) return { leftOut: [] };
  try {
    const env = { ...process.env, ...worktreeGitEnv(root, worktree) };
    const { stdout } = await execFileAsync('git', STATUS_ARGS, { cwd: worktree, env, maxBuffer: 64 * 1024 * 1024 });
    const paths: string[] = [];
    const leftOut: string[] = [];
    /** State paths the worker staged itself: taken out of the index again, or the commit below would carry them. */
    const unstage: string[] = [];
    for (const { code, path, from } of statusEntries(stdout)) {
      if (code === '??' && path.startsWith(SANDBOX_SCRATCH)) continue; // Claude Code's, not the worker's work
      for (const p of from === undefined ? [path] : [from, path]) {
        // A rename stages its source's removal too; Baton's state stays out whichever side it is on.
        if (isStatePath(p)) {
          leftOut.push(p);
          if (code[0] !== ' ' && code[0] !== '?') unstage.push(p);
        } else if (p === path && code === '??' && looksLikeSecret(path)) leftOut.push(path);
        else paths.push(p);
      }
    }
    // Literal pathspecs: a file named `*` or `:(glob)**` must name itself, not every file (the state ones too).
    if (unstage.length) await gitWithInput(worktree, env, ['--literal-pathspecs', 'reset', '--quiet', '--pathspec-from-file=-', '--pathspec-file-nul'], unstage.join('\0'));
    if (paths.length === 0) return { leftOut };
    await gitWithInput(worktree, env, ['--literal-pathspecs', 'add', '--all', '--pathspec-from-file=-', '--pathspec-file-nul'], paths.join('\0'));
    const email = await execFileAsync('git', ['config', 'user.email'], { cwd: worktree, env }).then((r) => String(r.stdout).trim(), () => '');
    const identity = email ? [] : ['-c', 'user.name=Baton', '-c', 'user.email=baton@localhost'];
    // Only what was just staged: the worker may have staged a secret itself, and that is its own commit to make.
    await execFileAsync('git', [...identity, 'commit', '--no-verify', '--quiet', '-m', message], { cwd: worktree, env });
    const { stdout: head } = await execFileAsync('git', ['rev-parse', 'HEAD'], { cwd: worktree, env });
    return { commit: head.trim(), leftOut };
  } catch (e) {
    const text = String((e as { stderr?: string }).stderr || (e as Error).message).trim();
    const lock = /'([^']*index\.lock)'/.exec(text)?.[1];
    const hint = lock ? ` Another git command is running in this worktree, or one was killed: if none is running, delete ${lock}.` : '';
    return { leftOut: [], error: `${text.split('\n')[0]}${hint}` };
  }
}

function gitWithInput(cwd: string, env: NodeJS.ProcessEnv, args: string[], input: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('git', args, { cwd, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.once('error', fail);
    child.once('close', (code) => (code === 0 ? done() : fail(Object.assign(new Error(`git ${args[0]} failed`), { stderr }))));
    // git may exit before reading its input (e.g. the index is locked): the write then fails with EPIPE,
    // which unheard would end this process. Its exit code and stderr above say what went wrong.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Commits on the task's branch that are not on base. */
export async function commitsAhead(root: string, worktree: string, base: string): Promise<number> {
  try {
    const r = await runGit(worktree, ['rev-list', '--count', '--end-of-options', `${base}..HEAD`], worktreeGitEnv(root, worktree));
    return r.code === 0 ? Number(r.stdout.trim()) : 0;
  } catch {
    return 0;
  }
}

export async function hasUncommittedChanges(root: string, worktree: string): Promise<boolean> {
  if (!existsSync(worktree)) return false;
  return (await listUncommitted(root, worktree)).length > 0;
}

/**
 * Files changed in the worktree but not committed (modified, staged, untracked), as `git status` lists
 * them. Throws when git cannot tell (or the worktree's `.git` file was changed: worktreeGit.ts).
 */
export async function listUncommitted(root: string, worktree: string): Promise<string[]> {
  const r = await runGit(worktree, STATUS_ARGS, worktreeGitEnv(root, worktree));
  if (r.code !== 0) throw new Error(`git status failed in ${worktree}: ${(r.stderr || r.stdout).trim()}`);
  return statusEntries(r.stdout).map((e) => e.path);
}

export interface Loss {
  taskId: string;
  branch: string;
  worktree: string;
  worktreeExists: boolean;
  branchExists: boolean;
  /** Commits on the task branch that the base does not contain. */
  commits: { sha: string; subject: string }[];
  /** Files changed in the worktree but not committed (modified, staged, untracked). */
  uncommitted: string[];
}

/** What removing the task's worktree and branch would throw away. */
export async function describeLoss(root: string, taskId: string, options: { base: string; worktree: string }): Promise<Loss> {
  const branch = branchName(taskId);
  const g = git(root);
  const branchExists = await g.raw(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).then((o) => o.trim() !== '', () => false);
  const worktreeExists = existsSync(join(options.worktree, '.git'));
  let commits: Loss['commits'] = [];
  if (branchExists) {
    const log = await g.raw(['log', '--format=%H%x1f%s', `${options.base}..refs/heads/${branch}`]);
    commits = log.split('\n').filter(Boolean).map((l) => {
      const [sha, subject] = l.split('\x1f');
      return { sha, subject };
    });
  }
  const uncommitted = worktreeExists ? await listUncommitted(root, options.worktree) : [];
  return { taskId, branch, worktree: options.worktree, worktreeExists, branchExists, commits, uncommitted };
}

export function lossIsEmpty(loss: Loss): boolean {
  return loss.commits.length === 0 && loss.uncommitted.length === 0;
}

export function describeLossText(loss: Loss): string {
  const parts: string[] = [];
  if (loss.commits.length) parts.push(`${loss.commits.length} commit${loss.commits.length === 1 ? '' : 's'} not on the base (${loss.commits.map((c) => `${c.sha.slice(0, 7)} ${c.subject}`).join('; ')})`);
  if (loss.uncommitted.length) parts.push(`${loss.uncommitted.length} uncommitted file${loss.uncommitted.length === 1 ? '' : 's'} (${loss.uncommitted.join(', ')})`);
  return parts.length ? parts.join(' and ') : 'nothing (everything is on the base)';
}

export class UnmergedWorkError extends Error {
  constructor(readonly loss: Loss) {
    super(`Refusing to remove the worktree and branch of "${loss.taskId}": they hold ${describeLossText(loss)}. Approve the task first, or discard it (baton discard ${loss.taskId}).`);
  }
}

/**
 * Removes the task's worktree and (with `deleteBranch`) its branch. Never throws away work the base
 * does not hold — commits not on `base`, uncommitted files — unless `force` (Discard, after asking):
 * it throws UnmergedWorkError instead, having changed nothing.
 */
export async function removeTaskWorktree(
  root: string,
  taskId: string,
  options: {
    base: string;
    worktree: string;
    deleteBranch: boolean;
    force: boolean;
    /** The branch was just squash-merged: its commits are on the base as one, so deleting it loses none. */
    squashed?: boolean;
  },
): Promise<{ removedWorktree: boolean; deletedBranch: boolean; loss: Loss }> {
  const loss = await describeLoss(root, taskId, options);
  // Keeping the branch keeps its commits: only uncommitted files are at risk then.
  const atRisk = options.deleteBranch && !options.squashed ? !lossIsEmpty(loss) : loss.uncommitted.length > 0;
  if (atRisk && !options.force) throw new UnmergedWorkError(options.deleteBranch ? loss : { ...loss, commits: [] });
  const g = git(root);
  let removedWorktree = false;
  if (loss.worktreeExists) {
    // Twice --force: also removes a locked worktree, which only Discard (forced) or a clean tree reaches.
    await g.raw(['worktree', 'remove', ...(options.force ? ['--force', '--force'] : []), options.worktree]);
    removedWorktree = true;
  }
  await g.raw(['worktree', 'prune']);
  let deletedBranch = false;
  if (options.deleteBranch && loss.branchExists) {
    // -D: whether it is merged was checked above against the plan's base, not against root's HEAD as -d would.
    await g.raw(['branch', '-D', loss.branch]);
    deletedBranch = true;
  }
  return { removedWorktree, deletedBranch, loss };
}
