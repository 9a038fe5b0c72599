// What `git status --porcelain=v1 -z` lists, read one way for everyone who needs the worktree's uncommitted
// files (review, checkpoints, the gates' fingerprint, what a stop or discard leaves).

/** Every uncommitted path, untracked ones included: what the readers below expect. */
export const STATUS_ARGS = ['status', '--porcelain=v1', '-z', '--untracked-files=all'];

export interface StatusEntry {
  /** The two status letters, e.g. " M", "A ", "??". */
  code: string;
  path: string;
  /** For a rename or copy, the path it came from (it follows the entry in the output). */
  from?: string;
}

export function statusEntries(stdout: string): StatusEntry[] {
  const raw = stdout.split('\0');
  const entries: StatusEntry[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i].length < 4) continue;
    const entry: StatusEntry = { code: raw[i].slice(0, 2), path: raw[i].slice(3) };
    if (entry.code[0] === 'R' || entry.code[0] === 'C') entry.from = raw[++i];
    entries.push(entry);
  }
  return entries;
}
