// What `git status --porcelain=v1 -z` lists, read one way for everyone who needs the worktree's uncommitted
// files (review, checkpoints, the gates' fingerprint, what a stop or discard leaves); and the v2 form with
// `--branch`, which approval reads for the branch's place as well as the files.

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

export interface BranchStatus {
  /** The branch checked out (undefined when detached), and its commit. */
  branch?: string;
  head?: string;
  /** Commits on that branch that its upstream lacks (`# branch.ab`, when an upstream is named). */
  ahead?: number;
  dirty: boolean;
  /** Every uncommitted path (both sides of a rename). */
  paths: string[];
}

/** Reads `git status --porcelain=v2 -z --branch`. */
export function branchStatus(stdout: string): BranchStatus {
  const out: BranchStatus = { dirty: false, paths: [] };
  const fields = stdout.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const line = fields[i];
    if (!line) continue;
    if (!line.startsWith('# ')) {
      out.dirty = true;
      // The path follows a fixed number of fields: 8 for a change, 9 for a rename (its source is the next entry), 10 unmerged.
      const skip = line[0] === '1' ? 8 : line[0] === '2' ? 9 : line[0] === 'u' ? 10 : 1;
      out.paths.push(line.split(' ').slice(skip).join(' '));
      if (line[0] === '2') out.paths.push(fields[++i] ?? '');
    } else if (line.startsWith('# branch.oid ')) out.head = line.slice('# branch.oid '.length);
    else if (line.startsWith('# branch.head ')) {
      const head = line.slice('# branch.head '.length);
      out.branch = head === '(detached)' ? undefined : head;
    } else if (line.startsWith('# branch.ab +')) out.ahead = Number(line.slice('# branch.ab +'.length).split(' ')[0]);
  }
  return out;
}
