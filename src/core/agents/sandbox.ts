// Claude Code's sandbox for a worker's commands (bubblewrap on Linux, Seatbelt on macOS), configured in the
// per-worker settings file Baton writes. Permission rules decide which commands a worker may run; the
// sandbox decides what a permitted command can touch: it writes only inside its worktree (and the temp
// folder Claude Code gives it) and reaches only the hosts the person listed.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plan, SandboxMode, Task } from '../plan/model';
import { findExecutable } from './executables';
import type { PermissionChoice } from './profiles';

/** The person's own choice: the `baton.sandbox*` settings (user settings only), or BATON_SANDBOX* for the CLI. */
export interface PersonSandbox {
  mode: SandboxMode;
  /** Hosts sandboxed commands may reach (`*.example.com` allowed); everything else is refused. */
  allowedDomains: string[];
}

export const NO_SANDBOX: PersonSandbox = { mode: 'off', allowedDomains: [] };

/**
 * Whether the task's worker runs sandboxed. The strictest choice wins: the person's `on` cannot be turned
 * off by a plan (a repository's file must not loosen what the person asked for), and a plan may turn it on
 * for all tasks (`defaults.sandbox`) or one (`sandbox:` on the task; the task's own word wins over the
 * plan default, as both are the plan's).
 */
export function sandboxed(person: SandboxMode | undefined, plan: Plan, task: Task): boolean {
  return person === 'on' || (task.sandbox ?? plan.defaults.sandbox) === 'on';
}

/** `on`/`off` (also 1/0, true/false, yes/no) from an environment variable; undefined when empty; throws on anything else. */
export function parseSandboxMode(value: string | undefined, name: string): SandboxMode | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (!v) return undefined;
  if (['on', '1', 'true', 'yes'].includes(v)) return 'on';
  if (['off', '0', 'false', 'no'].includes(v)) return 'off';
  throw new Error(`${name} must be on or off, not ${JSON.stringify(value)}.`);
}

/** A comma- or space-separated host list (BATON_SANDBOX_ALLOWED_DOMAINS). */
export function parseDomains(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).map((d) => d.trim()).filter(Boolean);
}

export interface SandboxTools {
  /** True when Claude Code can start its sandbox here. */
  ok: boolean;
  /** What is missing (Linux: `bwrap`, `socat`), or why the platform has none. */
  missing: string[];
  /** What this platform uses, for messages: "bubblewrap", "Seatbelt (built into macOS)". */
  backend: string;
  /** How to install what is missing, when something is. */
  install?: string;
}

/** Whether the tools Claude Code's sandbox needs are here: bubblewrap and socat on Linux; macOS has Seatbelt built in. */
export function sandboxTools(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): SandboxTools {
  if (platform === 'darwin') return { ok: true, missing: [], backend: 'Seatbelt (built into macOS)' };
  if (platform !== 'linux') return { ok: false, missing: [], backend: 'none', install: 'Claude Code sandboxes commands on Linux, WSL2 and macOS only: run workers there.' };
  const missing = [
    ['bwrap', 'bubblewrap'],
    ['socat', 'socat'],
  ].filter(([command]) => !findExecutable(command, env)).map(([, pkg]) => pkg);
  if (!missing.length) return { ok: true, missing, backend: 'bubblewrap' };
  const pkgs = missing.join(' ');
  return {
    ok: false,
    missing,
    backend: 'bubblewrap',
    install: `Install ${pkgs}: \`sudo apt-get install ${pkgs}\` (Debian, Ubuntu), \`sudo dnf install ${pkgs}\` (Fedora), \`sudo pacman -S ${pkgs}\` (Arch).`,
  };
}

/**
 * With the sandbox on, commands run without asking (they are contained), but Claude Code's own file tools
 * (Write, Edit) are not sandboxed: they follow the permission mode. `bypassPermissions` would let them
 * write anywhere, so a sandboxed worker runs with `acceptEdits` instead (edits inside its worktree only).
 */
export function sandboxedPermissions(permissions: PermissionChoice): PermissionChoice {
  return permissions.mode === 'bypassPermissions' ? { ...permissions, mode: 'acceptEdits' } : permissions;
}

export interface SandboxPaths {
  worktree: string;
  /** The worktree's own git folder (`<repo>/.git/worktrees/<name>`): index, HEAD. */
  gitDir: string;
  /** The repository's git folder, shared by all worktrees: objects, refs. */
  gitCommonDir: string;
  /** The task's branch, e.g. `baton/alpha`: its ref folder must take the new ref and its lock file. */
  branch: string;
  /** `.baton/runs/<id>`: where `baton report` writes the heartbeat, events and result. */
  runDir: string;
  /** `.baton/requests`: where `baton request` writes. */
  requestsDir: string;
  /** Files Baton wrote for itself in those folders (settings, prompt, launch record): never the worker's to change. */
  protectedFiles: string[];
}

/**
 * The `sandbox` block of the worker's Claude Code settings. The worktree itself is writable by default
 * (it is the working folder); what a `git commit` there needs from the repository's git folder, and what
 * Baton's own `baton report` / `baton request` need, is added. Hooks run outside the sandbox.
 */
export function claudeSandboxSettings(paths: SandboxPaths, allowedDomains: string[]): Record<string, unknown> {
  const allowWrite = [
    paths.gitDir,
    join(paths.gitCommonDir, 'objects'),
    dirname(join(paths.gitCommonDir, 'refs', 'heads', paths.branch)),
    dirname(join(paths.gitCommonDir, 'logs', 'refs', 'heads', paths.branch)),
    paths.runDir,
    paths.requestsDir,
  ].filter((p) => existsSync(p));
  // What points the worktree at its repository: rewritten, it would send Baton's own git commands elsewhere.
  // (Baton's own files are all written before the worker starts, so they are there to be protected.)
  const denyWrite = [...[join(paths.gitDir, 'commondir'), join(paths.gitDir, 'gitdir')].filter((p) => existsSync(p)), ...paths.protectedFiles];
  return {
    enabled: true,
    // A worker that cannot run its sandbox must not run unsandboxed instead.
    failIfUnavailable: true,
    // Contained commands run without asking each time, as an unattended worker needs.
    autoAllowBashIfSandboxed: true,
    // The model may ask for `dangerouslyDisableSandbox` on a command: with this, it is ignored.
    allowUnsandboxedCommands: false,
    filesystem: { allowWrite, denyWrite },
    // Only the listed hosts; others are refused rather than asked about (nobody may be watching).
    network: { allowedDomains: [...allowedDomains], strictAllowlist: true },
  };
}
