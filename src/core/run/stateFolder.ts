// Baton's state folder (`.baton/`) is what Baton acts on: the merge queue, heartbeats, personas. Inside a
// worktree a `.baton/` folder is ordinary content a worker can write, and a merge would carry it into the
// person's checkout. So no task's work may touch a path in a folder of that name, at any depth: such work
// is refused at approval and again before the base moves, and checkpoints leave it out.
import { isAbsolute, relative, sep } from 'node:path';
import { runGit } from '../git/merge';
import type { BatonLayout } from './layout';

/**
 * Whether a repository path (`/`-separated, as git writes it) lies in a folder named `.baton`. Compared as
 * a case-insensitive file system would, and as Windows, which drops trailing dots and spaces from a name:
 * `.Baton/` or `.baton./` must not stand in for it.
 */
export function isStatePath(path: string): boolean {
  return path.split(/[\\/]/).some((part) => part.replace(/[. ]+$/, '').toLowerCase() === '.baton');
}

/** The paths among `paths` that are Baton's state, including a worktrees folder set up inside the repository. */
export function statePaths(layout: BatonLayout, paths: Iterable<string>): string[] {
  const inside = layout.worktreesDir ? relative(layout.root, layout.worktreesDir) : undefined;
  const prefix = inside && !inside.startsWith('..') && !isAbsolute(inside) ? `${inside.split(sep).join('/').toLowerCase()}/` : undefined;
  const out = new Set<string>();
  for (const p of paths) if (isStatePath(p) || (prefix && `${p.toLowerCase()}/`.startsWith(prefix))) out.add(p);
  return [...out].sort();
}

/**
 * Every path that differs between two commits, renames as a removal and an addition (both sides count).
 * `from...to` (three dots, `mergeBase`) compares `to` with where it left `from`: a branch's own changes.
 */
export async function changedPaths(root: string, from: string, to: string, mergeBase = false): Promise<string[]> {
  const r = await runGit(root, ['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', mergeBase ? `${from}...${to}` : from, ...(mergeBase ? [] : [to]), '--']);
  if (r.code !== 0) throw new Error(`git diff failed: ${r.stderr.trim()}`);
  return r.stdout.split('\0').filter(Boolean);
}

/** Why work touching Baton's state is refused, naming the paths. */
export function stateRefusal(taskId: string, paths: readonly string[]): string {
  const shown = paths.slice(0, 10).join(', ') + (paths.length > 10 ? `, and ${paths.length - 10} more` : '');
  return (
    `"${taskId}" changes files in a .baton folder (${shown}). That folder is Baton's own state (the merge queue, ` +
    `personas, heartbeats), which no task's work may carry into the base. Remove them from the task's branch ` +
    `and worktree, then approve again.`
  );
}
