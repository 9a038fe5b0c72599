// Merging a task branch onto the base without touching anyone's working tree: `git merge-tree
// --write-tree` computes the merge in the object database only, `commit-tree` records it, and the base ref
// moves with a compare-and-swap. Only a working tree that has the base checked out is moved, and only when
// git's own two-tree checkout rules say the person's uncommitted changes are not in the way.
// Plain execFile with argument arrays (no shell): these calls are the whole cost of an approval, and
// simple-git adds tens of milliseconds to each (see npm run bench).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { worktreeGitEnv } from './worktreeGit';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git; never throws for a non-zero exit (callers read `code`). */
export function runGit(cwd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env: env ? { ...process.env, ...env } : undefined, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (code !== 0 && error ? error.message : '') });
    });
  });
}

async function gitOk(cwd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await runGit(cwd, args, env);
  if (r.code !== 0) throw new Error(`git ${args[0]} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

/** The commit a branch points at, or undefined when there is no such branch. */
export async function branchTip(root: string, branch: string): Promise<string | undefined> {
  return (await branchTips(root, [branch]))[0];
}

/**
 * Several branch tips; undefined for a branch that does not exist. Read from the repository's ref files
 * when it keeps them the usual way (no git process: these reads are on every approval's path, as VS Code's
 * own git extension reads them); otherwise, or for anything unusual (a symbolic ref), one `git rev-parse`.
 * Git replaces a ref file by rename, so a read sees the old value or the new one, never half of it.
 */
export async function branchTips(root: string, branches: string[]): Promise<(string | undefined)[]> {
  const fromFiles = readRefFiles(root, branches);
  if (fromFiles) return fromFiles;
  const r = await runGit(root, ['rev-parse', '--verify', '--end-of-options', ...branches.map((b) => `refs/heads/${b}^{commit}`)]);
  if (r.code === 0) return r.stdout.trim().split('\n');
  return Promise.all(
    branches.map(async (b) => {
      const one = await runGit(root, ['rev-parse', '--verify', '--quiet', `refs/heads/${b}^{commit}`]);
      return one.code === 0 ? one.stdout.trim() : undefined;
    }),
  );
}

/**
 * A branch's tip from the ref files alone, for a view that redraws often; undefined when the branch does
 * not exist or git would have to be asked.
 */
export function branchTipFromFiles(root: string, branch: string): string | undefined {
  return readRefFiles(root, [branch])?.[0];
}

/** A full object id: SHA-1, or SHA-256 in a repository that uses it. */
export const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Branch tips from `.git/refs/heads` and `.git/packed-refs`; undefined when git must be asked instead. */
function readRefFiles(root: string, branches: string[]): (string | undefined)[] | undefined {
  const dotGit = join(root, '.git');
  try {
    // A linked worktree or submodule (.git is a file), or refs kept in a reftable: ask git.
    if (!statSync(dotGit).isDirectory() || existsSync(join(dotGit, 'reftable'))) return undefined;
  } catch {
    return undefined;
  }
  let packed: Map<string, string> | undefined;
  const out: (string | undefined)[] = [];
  for (const branch of branches) {
    // Names git itself would refuse (or that leave refs/heads) are for git to judge.
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(branch) || branch.includes('..') || branch.includes('//')) return undefined;
    let loose: string | undefined;
    try {
      loose = readFileSync(join(dotGit, 'refs', 'heads', branch), 'utf8').trim();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') return undefined;
    }
    if (loose !== undefined) {
      if (!OBJECT_ID.test(loose)) return undefined; // a symbolic ref, or something git should judge
      out.push(loose);
      continue;
    }
    packed ??= readPackedRefs(dotGit);
    if (!packed) return undefined;
    out.push(packed.get(`refs/heads/${branch}`));
  }
  return out;
}

function readPackedRefs(dotGit: string): Map<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(join(dotGit, 'packed-refs'), 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? new Map() : undefined;
  }
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#' || line[0] === '^') continue;
    const space = line.indexOf(' ');
    const id = line.slice(0, space);
    if (!OBJECT_ID.test(id)) return undefined;
    refs.set(line.slice(space + 1), id);
  }
  return refs;
}

export async function isAncestor(root: string, ancestor: string, of: string): Promise<boolean> {
  return (await runGit(root, ['merge-base', '--is-ancestor', ancestor, of])).code === 0;
}

export type MergeOutcome = { ok: true; commit: string; tree: string } | { ok: false; conflicts: string[] };

export interface MergeRequest {
  root: string;
  /** Current base tip. */
  base: string;
  /** The task branch's tip. */
  branch: string;
  message: string;
  style: 'merge' | 'squash';
}

/**
 * Merges `branch` onto `base` in the object database: no index, no working tree, no ref changes. A
 * conflict returns the conflicting paths and leaves nothing behind but unreferenced objects.
 */
export async function mergeCommit(r: MergeRequest): Promise<MergeOutcome> {
  const merged = await mergeTree(r.root, r.base, r.branch);
  if (!merged.ok) return merged;
  return { ok: true, commit: await commitMerge(r, merged.tree), tree: merged.tree };
}

export type TreeMerge = { ok: true; tree: string } | { ok: false; conflicts: string[] };

/** The tree a merge of `branch` onto `base` would have (written to the object database), or its conflicting paths. */
export async function mergeTree(root: string, base: string, branch: string): Promise<TreeMerge> {
  const tree = await runGit(root, ['merge-tree', '--write-tree', '--name-only', '--no-messages', base, branch]);
  if (tree.code === 1) {
    const [, ...files] = tree.stdout.split('\n').map((l) => l.trim());
    return { ok: false, conflicts: [...new Set(files.filter(Boolean))] };
  }
  if (tree.code !== 0) throw new Error(`git merge-tree failed: ${tree.stderr.trim()}`);
  return { ok: true, tree: tree.stdout.split('\n')[0].trim() };
}

/** Records a merged tree as the merge (or squash) commit of `r`; returns the commit. */
export function commitMerge(r: MergeRequest, tree: string): Promise<string> {
  const parents = r.style === 'squash' ? ['-p', r.base] : ['-p', r.base, '-p', r.branch];
  return commitTree(r.root, ['commit-tree', tree, ...parents, '-m', r.message]);
}

/** Moves `refs/heads/<branch>` from `from` to `to` only if it still points at `from`. */
export async function compareAndSwap(root: string, branch: string, to: string, from: string, why: string): Promise<boolean> {
  return (await swapRef(root, branch, to, from, why)).ok;
}

export type RefSwap = { ok: true } | { ok: false; lock?: string; message: string };

/**
 * compareAndSwap that says why it failed: `lock` names a lock file another git command holds (worth
 * waiting for); otherwise the branch is no longer at `from`.
 */
export async function swapRef(root: string, branch: string, to: string, from: string, why: string): Promise<RefSwap> {
  const r = await runGit(root, ['update-ref', '-m', why, `refs/heads/${branch}`, to, from]);
  if (r.code === 0) return { ok: true };
  return { ok: false, lock: gitLockFile(r.stderr), message: r.stderr.trim() };
}

/**
 * The lock file named in git's "another git process seems to be running" error (index.lock, a ref's
 * .lock), or undefined for any other error. Such a failure changed nothing and may pass in a moment.
 */
export function gitLockFile(stderr: string): string | undefined {
  return /Unable to create '([^']+\.lock)': File exists/.exec(stderr)?.[1];
}

/**
 * Every working tree (the main one included) that has `branch` checked out. Read from the repository's
 * HEAD files (no git process: this is on every merge's path); `git worktree list` when the layout is unusual.
 */
export async function checkedOutIn(root: string, branch: string): Promise<string[]> {
  const dotGit = join(root, '.git');
  let isDir = false;
  try {
    isDir = statSync(dotGit).isDirectory();
  } catch {
    // no .git here: ask git
  }
  if (!isDir) return checkedOutInByGit(root, branch);
  const want = `ref: refs/heads/${branch}`;
  const out: string[] = [];
  const head = (file: string) => {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      return '';
    }
  };
  if (head(join(dotGit, 'HEAD')) === want) out.push(root);
  let names: string[] = [];
  try {
    names = readdirSync(join(dotGit, 'worktrees'));
  } catch {
    // no linked worktrees
  }
  for (const name of names) {
    if (head(join(dotGit, 'worktrees', name, 'HEAD')) !== want) continue;
    const gitdir = head(join(dotGit, 'worktrees', name, 'gitdir'));
    if (gitdir) out.push(dirname(gitdir));
  }
  return out;
}

async function checkedOutInByGit(root: string, branch: string): Promise<string[]> {
  const list = await gitOk(root, ['worktree', 'list', '--porcelain']);
  const out: string[] = [];
  let path: string | undefined;
  for (const line of list.split('\n')) {
    if (line.startsWith('worktree ')) path = line.slice('worktree '.length);
    else if (line === `branch refs/heads/${branch}` && path) out.push(path);
  }
  return out;
}

export type TreeMove = { ok: true } | { ok: false; files: string[]; message: string; lock?: string };

/**
 * Whether the working tree at `dir` can go from commit `from` to `to` the way `git checkout` would: files
 * the merge changes must be unmodified there (index and disk), and no untracked file may be in the way.
 * `dryRun` checks without writing anything.
 */
export async function moveWorkingTree(dir: string, from: string, to: string, dryRun: boolean): Promise<TreeMove> {
  // Two-tree read-tree is exactly checkout's rule set; it checks every path before it writes any.
  const r = await runGit(dir, ['read-tree', '-m', '-u', ...(dryRun ? ['-n'] : []), from, to]);
  if (r.code === 0) return { ok: true };
  return { ok: false, files: filesInTheWay(r.stderr), message: r.stderr.trim(), lock: gitLockFile(r.stderr) };
}

/** Paths git lists (tab-indented) under "would be overwritten" / "not uptodate" messages. */
function filesInTheWay(stderr: string): string[] {
  const files = new Set<string>();
  for (const line of stderr.split('\n')) {
    if (/^\t/.test(line)) files.add(line.trim());
    const m = /^error: (?:Entry|Untracked working tree file) '(.+)' (?:not uptodate|would be overwritten)/.exec(line);
    if (m) files.add(m[1]);
  }
  return [...files];
}

/**
 * What git itself does after a merge or commit (`git maintenance run --auto`: a gc when loose objects pile
 * up), started after the current work so nothing waits for it. A failure only means the upkeep waits for the
 * person's next git command, which runs the same check.
 */
export function autoMaintenance(root: string): void {
  setImmediate(() => void runGit(root, ['maintenance', 'run', '--auto', '--quiet']));
}

/** Files changed between two commits (for messages). */
export async function changedFiles(root: string, from: string, to: string): Promise<string[]> {
  const out = await gitOk(root, ['diff', '--name-only', from, to]);
  return out ? out.split('\n') : [];
}

/**
 * A detached working tree of Baton's own where merged trees are checked out to run the gates, and where a
 * conflicting merge is laid out for the merge editor. Reused between merges; whatever a killed run left
 * in it is thrown away first (it never holds anyone's work).
 */
export async function prepareScratch(root: string, dir: string, commit: string): Promise<void> {
  // The gates ran the merged code here: a `.git` file it changed is no reason to trust it, only to start afresh.
  let env: Record<string, string> | undefined;
  try {
    if (existsSync(join(dir, '.git'))) env = worktreeGitEnv(root, dir);
  } catch {
    env = undefined;
  }
  if (!env) {
    rmSync(dir, { recursive: true, force: true });
    await runGit(root, ['worktree', 'prune']);
    await gitOk(root, ['worktree', 'add', '--quiet', '--detach', dir, commit]);
    return;
  }
  rmSync(join(env.GIT_DIR, 'index.lock'), { force: true });
  await runGit(dir, ['merge', '--abort'], env);
  await gitOk(dir, ['checkout', '--quiet', '--detach', '--force', commit], env);
  // Keep ignored files (an installed node_modules, say) so gates need not reinstall on every merge.
  await gitOk(dir, ['clean', '-fdq'], env);
}

/** Lays a conflicting merge out in the scratch tree (markers in files, MERGE_HEAD set) for the merge editor. */
export async function startConflictedMerge(root: string, dir: string, base: string, branch: string): Promise<string[]> {
  await prepareScratch(root, dir, base);
  await runGit(dir, ['merge', '--no-ff', '--no-commit', branch], await identityEnv(dir));
  return unmergedFiles(dir);
}

export async function unmergedFiles(dir: string): Promise<string[]> {
  const out = await gitOk(dir, ['diff', '--name-only', '--diff-filter=U']);
  return out ? [...new Set(out.split('\n'))] : [];
}

/** Commits whatever the scratch tree holds now (a resolved merge) with the given parents; returns the commit. */
export async function commitScratch(dir: string, parents: string[], message: string): Promise<string> {
  await gitOk(dir, ['add', '--all']);
  const tree = await gitOk(dir, ['write-tree']);
  await runGit(dir, ['merge', '--quit']);
  return commitTree(dir, ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message]);
}

export async function removeScratch(root: string, dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await runGit(root, ['worktree', 'remove', '--force', dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** commit-tree as the person; when git has no identity configured (it refuses then), as Baton. */
async function commitTree(dir: string, args: string[]): Promise<string> {
  const r = await runGit(dir, args);
  if (r.code === 0) return r.stdout.trim();
  return gitOk(dir, args, await identityEnv(dir));
}

/** A committer identity: the person's when git has one, else Baton's (commit-tree refuses without one). */
async function identityEnv(dir: string): Promise<NodeJS.ProcessEnv | undefined> {
  const email = await runGit(dir, ['config', 'user.email']);
  if (email.code === 0 && email.stdout.trim()) return undefined;
  return { GIT_AUTHOR_NAME: 'Baton', GIT_AUTHOR_EMAIL: 'baton@localhost', GIT_COMMITTER_NAME: 'Baton', GIT_COMMITTER_EMAIL: 'baton@localhost' };
}
