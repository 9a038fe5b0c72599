// Validation gates: the commands the person wrote in the plan (`gates:`), run in a task's worktree.
// Each gate is handed whole to the platform shell as ONE argument (`/bin/sh -c <gate>`), because the
// person wrote it as a command line (pipes, `&&`, env vars); it is never joined with any other plan text.
// Gates run in order and stop at the first failure: later gates usually build on earlier ones (build,
// then test), and a failing gate already blocks approval. Gates not run are absent from the results.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { testedState, workChangedSince, workState } from '../git/workState';
import { appendEvent } from './events';
import type { BatonLayout } from './layout';
import { updateResult, type TaskResult } from './result';

export interface GateResult {
  command: string;
  /** null when the gate could not start, was killed by a signal, or was cancelled. */
  exit_code: number | null;
  duration_ms: number;
  /** The last lines of its output (stdout and stderr interleaved), for a tooltip or a summary. */
  output_tail: string;
  /** The whole output, when an output folder was given. */
  output_file?: string;
  started_at: string;
}

export interface GateOptions {
  env?: NodeJS.ProcessEnv;
  onOutput?: (command: string, chunk: string) => void;
  /** Called as each gate starts (index from 0), for progress. */
  onStart?: (command: string, index: number) => void;
  signal?: AbortSignal;
  /** Keeps each gate's whole output as `gate-<n>.log` in this folder. */
  outputDir?: string;
}

const TAIL_CHARS = 4000;

export function gatesPassed(results: readonly GateResult[] | undefined, commands: readonly string[]): boolean {
  if (!results) return commands.length === 0;
  return commands.every((c, i) => results[i]?.command === c && results[i].exit_code === 0);
}

export async function runGates(cwd: string, commands: string[], options: GateOptions = {}): Promise<GateResult[]> {
  const results: GateResult[] = [];
  if (options.outputDir) mkdirSync(options.outputDir, { recursive: true });
  for (let i = 0; i < commands.length; i++) {
    if (options.signal?.aborted) break;
    const file = options.outputDir ? join(options.outputDir, `gate-${i + 1}.log`) : undefined;
    options.onStart?.(commands[i], i);
    const result = await runGate(cwd, commands[i], file, options);
    results.push(result);
    if (result.exit_code !== 0) break;
  }
  return results;
}

function shellFor(command: string): [string, string[]] {
  if (process.platform === 'win32') return [process.env.ComSpec || 'cmd.exe', ['/d', '/s', '/c', command]];
  return ['/bin/sh', ['-c', command]];
}

function runGate(cwd: string, command: string, file: string | undefined, options: GateOptions): Promise<GateResult> {
  const started = Date.now();
  const started_at = new Date(started).toISOString();
  let tail = '';
  let out: WriteStream | undefined;
  if (file) out = createWriteStream(file, { flags: 'w' });
  const take = (chunk: Buffer | string) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-TAIL_CHARS);
    out?.write(text);
    options.onOutput?.(command, text);
  };
  return new Promise<GateResult>((resolve) => {
    const [shell, args] = shellFor(command);
    // Its own process group, so a cancel reaches whatever the gate started (test runners spawn workers).
    const child = spawn(shell, args, { cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const abort = () => {
      try {
        if (child.pid) process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    options.signal?.addEventListener('abort', abort, { once: true });
    let settled = false;
    const finish = (exit_code: number | null, note?: string) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', abort);
      if (note) take(`\n${note}\n`);
      const result: GateResult = { command, exit_code, duration_ms: Date.now() - started, output_tail: tail, started_at };
      if (file) result.output_file = file;
      if (out) out.end(() => resolve(result));
      else resolve(result);
    };
    child.once('error', (e) => finish(null, `Could not run the gate: ${e.message}`));
    child.once('close', (code, signal) => finish(options.signal?.aborted ? null : code, signal ? `Stopped by ${signal}.` : undefined));
  });
}

/**
 * Runs a task's gates in its worktree and records them: results in result.json (with the commit they
 * ran on), a `gates` event in its history. Uncommitted changes are part of what was tested.
 */
export async function runTaskGates(
  layout: BatonLayout,
  taskId: string,
  commands: string[],
  options: Omit<GateOptions, 'outputDir'> = {},
): Promise<GateResult[]> {
  const worktree = layout.worktree(taskId);
  if (!existsSync(worktree)) throw new Error(`"${taskId}" has no worktree to run its gates in (it never started, or was discarded).`);
  layout.ensureRunDir(taskId);
  const ranOn = await workState(layout.root, worktree).catch(() => undefined);
  const commit = ranOn?.head;
  const at = new Date().toISOString();
  appendEvent(layout.events(taskId), { type: 'gates-started', at, gates: commands.length });
  const results = await runGates(worktree, commands, { ...options, outputDir: layout.gatesDir(taskId) });
  const passed = gatesPassed(results, commands);
  const tested = testedState(ranOn, await workState(layout.root, worktree).catch(() => undefined));
  await updateResult(layout, taskId, { gates: results, gates_at: at, gates_commit: tested?.head, gates_uncommitted: tested?.uncommitted });
  appendEvent(layout.events(taskId), {
    type: 'gates',
    at: new Date().toISOString(),
    passed,
    commit,
    results: results.map((r) => ({ command: r.command, exit_code: r.exit_code, duration_ms: r.duration_ms })),
  });
  return results;
}

/**
 * Why a task's recorded gate results no longer describe its work (its branch moved, or its uncommitted
 * changes changed, since they ran), or undefined while they still do. Stale results do not count as passed.
 */
export async function gatesStale(layout: BatonLayout, taskId: string, result: TaskResult | undefined): Promise<string | undefined> {
  if (!result?.gates?.length || !result.gates_commit) return undefined;
  const worktree = layout.worktree(taskId);
  if (!existsSync(worktree)) return undefined;
  return workChangedSince({ commit: result.gates_commit, uncommitted: result.gates_uncommitted }, await workState(layout.root, worktree));
}
