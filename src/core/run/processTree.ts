// Every process a worker's agent starts, recorded as the tree grows, so that whatever ends the worker
// (the supervisor's own exit, a stop, or the supervisor being killed outright) can end them all, also
// those in process groups or sessions of their own (Claude Code runs its tools in groups of their own)
// and those whose parent has already exited. A pid is only ever signalled when its start time still
// matches the one recorded, so a reused pid is never hit.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** When it started, in whatever unit the platform gives: only compared for equality. */
  start: string;
}

interface ProcessFile {
  launch?: string;
  processes: Array<{ pid: number; start: string }>;
}

/** All processes: /proc on Linux (no child process, about a millisecond), `ps` elsewhere. */
export function processTable(): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>();
  if (process.platform === 'linux') {
    let names: string[] = [];
    try {
      names = readdirSync('/proc');
    } catch {
      // no /proc: fall through to ps
    }
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      const info = procStat(Number(name));
      if (info) table.set(info.pid, info);
    }
    if (table.size) return table;
  }
  try {
    const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,lstart='], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const line of out.split('\n')) {
      const m = /^\s*(\d+)\s+(\d+)\s+(.+?)\s*$/.exec(line);
      if (m) table.set(Number(m[1]), { pid: Number(m[1]), ppid: Number(m[2]), start: m[3] });
    }
  } catch {
    // no ps: nothing can be recorded, and nothing will be signalled
  }
  return table;
}

function procStat(pid: number): ProcessInfo | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(rest[1]), start: rest[19] };
  } catch {
    return undefined;
  }
}

/** When process `pid` started, as processTable gives it; undefined when there is no such process. */
export function processStart(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (process.platform === 'linux' && existsSync('/proc/self/stat')) return procStat(pid)?.start;
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether process `pid` was started with `words` as consecutive arguments: /proc/<pid>/cmdline on Linux
 * (exact arguments), `ps -ww -o args=` elsewhere (one line, arguments joined by spaces).
 */
export function commandLineHas(pid: number, words: readonly string[]): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (process.platform === 'linux' && existsSync('/proc/self/cmdline')) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return false;
    }
    return args.some((_, i) => words.every((w, j) => args[i + j] === w));
  }
  try {
    const line = execFileSync('ps', ['-ww', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return ` ${line} `.includes(` ${words.join(' ')} `);
  } catch {
    return false;
  }
}

/**
 * Follows one agent's process tree while the supervisor lives: `poll()` adds every new descendant of the
 * agent (or of any process already recorded, so orphans' children are found too) and writes the list to
 * `file` when it changed.
 */
export class ProcessRecorder {
  private readonly known = new Map<number, string>();
  private written = '';

  constructor(
    private readonly file: string,
    private readonly launchId: string | undefined,
  ) {}

  add(pid: number): void {
    const info = processTable().get(pid);
    if (info) this.known.set(pid, info.start);
    this.write();
  }

  poll(table = processTable()): void {
    // Forget what has ended (or whose pid now belongs to something else).
    for (const [pid, start] of this.known) if (table.get(pid)?.start !== start) this.known.delete(pid);
    let grew = true;
    while (grew) {
      grew = false;
      for (const p of table.values()) {
        if (!this.known.has(p.pid) && this.known.has(p.ppid)) {
          this.known.set(p.pid, p.start);
          grew = true;
        }
      }
    }
    this.write();
  }

  private write(): void {
    const body: ProcessFile = { ...(this.launchId ? { launch: this.launchId } : {}), processes: [...this.known].map(([pid, start]) => ({ pid, start })) };
    const text = JSON.stringify(body) + '\n';
    if (text === this.written) return;
    this.written = text;
    try {
      writeFileAtomic.sync(this.file, text, { fsync: false });
    } catch {
      // the run folder went away: nothing to record into
    }
  }
}

/**
 * Signals every recorded process that is still the same process (same start time). Never this process
 * or pid 1. With `launchId`, only a list recorded by that launch. Returns the pids signalled.
 */
export function endRecorded(file: string, signal: NodeJS.Signals = 'SIGKILL', launchId?: string): number[] {
  let recorded: ProcessFile;
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(recorded?.processes)) return [];
  if (launchId && recorded.launch && recorded.launch !== launchId) return [];
  const table = processTable();
  const ended: number[] = [];
  for (const { pid, start } of recorded.processes) {
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    if (table.get(pid)?.start !== start) continue;
    try {
      process.kill(pid, signal);
      ended.push(pid);
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return ended;
}
