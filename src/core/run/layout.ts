// Where Baton keeps runtime state: `.baton/` at the repository root (design.md, "Runtime state").
// Every path is built from a validated task id, never from other plan text.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TASK_ID_PATTERN } from '../plan/model';

export class BatonLayout {
  readonly dir: string;

  constructor(readonly root: string, readonly worktreesDir?: string) {
    this.dir = join(root, '.baton');
  }

  runDir(taskId: string): string {
    return join(this.dir, 'runs', checkedId(taskId));
  }
  get runsDir(): string {
    return join(this.dir, 'runs');
  }
  heartbeat(taskId: string): string {
    return join(this.runDir(taskId), 'heartbeat.json');
  }
  events(taskId: string): string {
    return join(this.runDir(taskId), 'events.jsonl');
  }
  prompt(taskId: string): string {
    return join(this.runDir(taskId), 'prompt.md');
  }
  /** What the task produced: the worker's summary, gate results, approval (result.ts). */
  result(taskId: string): string {
    return join(this.runDir(taskId), 'result.json');
  }
  /** Each gate's whole output, `gate-<n>.log`. */
  gatesDir(taskId: string): string {
    return join(this.runDir(taskId), 'gates');
  }
  output(taskId: string): string {
    return join(this.runDir(taskId), 'output.log');
  }
  /** Which launch is the task's current one (launches.ts). */
  launch(taskId: string): string {
    return join(this.runDir(taskId), 'launch.json');
  }
  /** Every process the current launch's agent has started, as the supervisor saw them (processTree.ts). */
  processes(taskId: string): string {
    return join(this.runDir(taskId), 'processes.json');
  }
  /** Per-worker Claude Code settings (hooks). */
  settings(taskId: string): string {
    return join(this.runDir(taskId), 'claude-settings.json');
  }
  worktree(taskId: string): string {
    return join(this.worktreesDir ?? join(this.dir, 'worktrees'), checkedId(taskId));
  }

  /** Creates `.baton/` with a .gitignore that keeps everything in it out of git, and the task's run folder. */
  ensureRunDir(taskId: string): string {
    this.ensureBatonDir();
    const dir = this.runDir(taskId);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  ensureBatonDir(): void {
    mkdirSync(this.dir, { recursive: true });
    const ignore = join(this.dir, '.gitignore');
    // Ignores itself too: Baton's runtime state should never show up as a change in the person's repository.
    if (!existsSync(ignore)) writeFileSync(ignore, '# Baton runtime state (heartbeats, logs, worktrees): not versioned.\n*\n');
  }
}

export function branchName(taskId: string): string {
  return `baton/${checkedId(taskId)}`;
}

/** The last line of defence: plans are validated earlier, but no unchecked id ever becomes a path. */
function checkedId(taskId: string): string {
  if (!TASK_ID_PATTERN.test(taskId)) throw new Error(`Refusing unsafe task id ${JSON.stringify(taskId)}.`);
  return taskId;
}
