// A throwaway git repository with a plan, and the bundled CLI, for tests that run real workers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

let bundled: Promise<string> | undefined;

/** Builds dist-like cli.js once per test run (workers run it as `node cli.js supervise ...`). */
export function bundledCli(): Promise<string> {
  bundled ??= (async () => {
    // Laid out like the package: dist/cli.js with resources/ beside it (persona templates are read from there).
    const dir = mkdtempSync(join(tmpdir(), 'baton-cli-'));
    cpSync('resources', join(dir, 'resources'), { recursive: true });
    const out = join(dir, 'dist', 'cli.js');
    await build({ entryPoints: ['src/cli/main.ts'], bundle: true, platform: 'node', target: 'node20', outfile: out, logLevel: 'error' });
    return out;
  })();
  return bundled;
}

export function makeRepo(plan: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-repo-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'Test');
  writeFileSync(join(dir, 'baton.yaml'), plan);
  writeFileSync(join(dir, 'README.md'), '# demo\n');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
  return dir;
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI to its end without blocking this process: a test may serve the worker's model (the
 * scripted Messages API) from this very process.
 */
export async function runCli(cwd: string, args: string[], env: Record<string, string> = {}, input?: string, timeoutMs = 120_000): Promise<CliResult> {
  const cli = await bundledCli();
  const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

export async function spawnCli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  const cli = await bundledCli();
  return spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A worker profile running a small shell script (a stand-in agent that is not Claude Code). */
export function scriptAgent(script: string): Record<string, string> {
  return { BATON_AGENTS: JSON.stringify({ script: { command: 'sh', headlessArgs: ['-c', script] } }) };
}

export function planYaml(tasks: string, extra = ''): string {
  return `version: 1\nname: Test\nbase: main\ndefaults:\n  agent: script\n  heartbeatTimeout: 30s\n${extra}tasks:\n${tasks}`;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
