// What a task changed, for review: everything in its worktree (commits and uncommitted edits) against
// the point where its branch left the base (the merge-base), so work merged into the base since then
// does not show up as the task's. Files outside the task's declared `files` are flagged.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { isStatePath } from '../run/stateFolder';
import { runGit } from './merge';
import { STATUS_ARGS, statusEntries } from './statusEntries';
import { worktreeGitEnv } from './worktreeGit';

export interface ReviewCommit {
  sha: string;
  subject: string;
  author: string;
  date: string;
}

export type ChangeKind = 'added' | 'modified' | 'deleted' | 'renamed';

export interface ReviewFile {
  path: string;
  /** For a rename: the path at the merge-base. */
  oldPath?: string;
  kind: ChangeKind;
  added: number;
  removed: number;
  binary: boolean;
  /** Changed in the worktree but not committed (staged, unstaged or untracked). */
  uncommitted: boolean;
  /** Not matched by any of the task's declared `files` globs (only when the task declares some). */
  outsideDeclared: boolean;
  /** In a `.baton` folder (Baton's state): approval refuses the task while it is there. */
  state: boolean;
}

export interface ReviewData {
  base: string;
  mergeBase: string;
  head: string;
  commits: ReviewCommit[];
  files: ReviewFile[];
  added: number;
  removed: number;
  /** Paths with uncommitted changes. */
  uncommitted: string[];
  /** Paths outside the declared `files`. */
  flagged: string[];
  /** Paths in a `.baton` folder, which no task may change (either side of a rename). */
  stateFiles: string[];
}

export async function reviewData(root: string, worktree: string, base: string, declared: readonly string[]): Promise<ReviewData> {
  const g = untrimmed(root, worktree);
  const head = (await g.raw(['rev-parse', 'HEAD'])).trim();
  const mergeBase = (await g.raw(['merge-base', base, 'HEAD'])).trim();
  const [log, nameStatus, numstat, status] = await Promise.all([
    g.raw(['log', '-z', '--format=%H%x1f%s%x1f%an%x1f%aI', `${mergeBase}..HEAD`]),
    // Without a second commit, `git diff` compares against the working tree: uncommitted edits are included.
    g.raw(['diff', '-z', '-M', '--name-status', mergeBase]),
    g.raw(['diff', '-z', '-M', '--numstat', mergeBase]),
    g.raw(STATUS_ARGS),
  ]);
  const commits = log
    .split('\0')
    .filter((l) => l.trim())
    .map((l) => {
      const [sha, subject, author, date] = l.replace(/^\n/, '').split('\x1f');
      return { sha, subject, author, date };
    });

  const entries = statusEntries(status);
  const uncommitted = new Set(entries.map((e) => e.path));
  const untracked = entries.filter((e) => e.code === '??').map((e) => e.path);

  const files = new Map<string, ReviewFile>();
  const ns = nameStatus.split('\0');
  for (let i = 0; i < ns.length - 1; ) {
    const code = ns[i++];
    if (!code) continue;
    if (code.startsWith('R') || code.startsWith('C')) {
      const oldPath = ns[i++];
      const path = ns[i++];
      files.set(path, file(path, code.startsWith('R') ? 'renamed' : 'added', oldPath));
    } else {
      const path = ns[i++];
      files.set(path, file(path, code === 'A' ? 'added' : code === 'D' ? 'deleted' : 'modified'));
    }
  }
  // --numstat -z: "added\tremoved\tpath\0", or for a rename "added\tremoved\t\0old\0new\0".
  const nums = numstat.split('\0');
  for (let i = 0; i < nums.length; ) {
    const entry = nums[i++];
    if (!entry) continue;
    const [a, r, p] = entry.split('\t');
    let path = p;
    if (p === '') {
      i++; // old path
      path = nums[i++];
    }
    const f = files.get(path);
    if (!f) continue;
    f.binary = a === '-';
    f.added = f.binary ? 0 : Number(a);
    f.removed = f.binary ? 0 : Number(r);
  }
  // Untracked files are not in `git diff`: count their lines as added.
  for (const path of untracked) {
    if (files.has(path)) continue;
    const f = file(path, 'added');
    const content = await readFile(join(worktree, path)).catch(() => undefined);
    if (content) {
      f.binary = content.subarray(0, 8000).includes(0);
      if (!f.binary) f.added = content.toString('utf8').split('\n').length - (content.at(-1) === 10 ? 1 : 0);
    }
    files.set(path, f);
  }

  const matches = declared.length ? picomatch(declared.map(normaliseGlob), { dot: true }) : undefined;
  for (const f of files.values()) {
    f.uncommitted = uncommitted.has(f.path) || (f.oldPath !== undefined && uncommitted.has(f.oldPath));
    f.outsideDeclared = matches ? !matches(f.path) : false;
    f.state = isStatePath(f.path) || (f.oldPath !== undefined && isStatePath(f.oldPath));
  }
  const list = [...files.values()].sort((x, y) => x.path.localeCompare(y.path));
  return {
    base,
    mergeBase,
    head,
    commits,
    files: list,
    added: list.reduce((n, f) => n + f.added, 0),
    removed: list.reduce((n, f) => n + f.removed, 0),
    uncommitted: list.filter((f) => f.uncommitted).map((f) => f.path),
    flagged: list.filter((f) => f.outsideDeclared).map((f) => f.path),
    stateFiles: list.filter((f) => f.state).flatMap((f) => [f.oldPath, f.path].filter((p): p is string => p !== undefined && isStatePath(p))),
  };

  function file(path: string, kind: ChangeKind, oldPath?: string): ReviewFile {
    return { path, oldPath, kind, added: 0, removed: 0, binary: false, uncommitted: false, outsideDeclared: false, state: false };
  }
}

/** A file's content at a commit (the left side of the review diff); empty when it did not exist there. */
export async function fileAtCommit(root: string, worktree: string, commit: string, path: string): Promise<string> {
  if (!/^[0-9a-f]{7,64}$/i.test(commit)) throw new Error(`not a commit id: ${commit}`);
  try {
    return await untrimmed(root, worktree).raw(['show', `${commit}:${path.replace(/^\.?\//, '')}`]);
  } catch {
    return '';
  }
}

/**
 * git in a task's worktree, through its registered git folder (worktreeGit.ts); output exactly as git
 * wrote it: porcelain status starts with a space, and file contents end with one.
 */
function untrimmed(root: string, worktree: string): { raw(args: string[]): Promise<string> } {
  const env = worktreeGitEnv(root, worktree);
  return {
    async raw(args) {
      const r = await runGit(worktree, args, env);
      if (r.code !== 0) throw new Error(`git ${args[0]} failed: ${(r.stderr || r.stdout).trim()}`);
      return r.stdout;
    },
  };
}

/** A folder (`src/`) means everything under it, as in the plan's conflict check (globOverlap.ts). */
function normaliseGlob(pattern: string): string {
  return pattern.trim().replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/$/, '/**');
}
