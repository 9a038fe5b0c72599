// `baton doctor` and "Baton: Check Setup": can a worker start here? Each check says what it found and,
// when something is wrong, what to do. One engine for the CLI and the extension; they only differ in how
// Baton's own command is run and in the settings they pass.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { lock } from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { claudeHookSettings } from '../agents/claudeSettings';
import { claudeConfigFile, isTrusted } from '../agents/claudeTrust';
import { findProfile, type AgentProfile } from '../agents/profiles';
import { sandboxed, sandboxTools, type PersonSandbox } from '../agents/sandbox';
import type { ParseResult } from '../plan/model';
import { parsePlan } from '../plan/parse';
import { readEvents } from '../run/events';
import { BatonLayout } from '../run/layout';
import { findExecutable } from '../agents/executables';

export { findExecutable };

/** `worktree add -b`, `worktree prune` and `worktree remove` are all there from git 2.17 on. */
export const MIN_GIT_VERSION = [2, 17, 0] as const;

/** ✓ ok, ! works but worth fixing, ✗ stops workers, - not checked because an earlier check failed. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** Fixes Baton can make itself, each only with the person's say-so (a button, never on its own). */
export type SetupAction = 'record-trust' | 'first-commit' | 'create-plan';

export type CheckId = 'git' | 'repository' | 'base' | 'git-identity' | 'plan' | 'baton-dir' | 'agent' | 'hooks' | 'shell' | 'claude-trust' | 'sandbox';

export interface SetupCheck {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do about it (absent when all is well). */
  fix?: string;
  /** A fix Baton can make itself (the extension offers it as a button). */
  action?: SetupAction;
  /** For `agent` checks: the worker profile's name. */
  profile?: string;
}

export interface SetupReport {
  /** True when nothing fails: a worker can start. */
  ok: boolean;
  /** The git repository's root, when there is one. */
  root?: string;
  planFile: string;
  checks: SetupCheck[];
}

export interface DoctorOptions {
  /** Absolute path of the plan (it need not exist). */
  planFile: string;
  /** The plan's text when the caller already has it (an unsaved editor); otherwise the file is read. */
  planText?: string;
  /** The person's worker profiles: the `baton.agents` setting, or BATON_AGENTS for the CLI. */
  agents?: Record<string, Partial<AgentProfile>>;
  /** How Baton's own CLI is run, exactly as a worker's hook settings will run it. */
  batonCommand: string[];
  /** Extra environment for that command (ELECTRON_RUN_AS_NODE inside VS Code). */
  batonEnv?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** The extension's `baton.claude.trustWorktrees`; the CLI has none. */
  trustWorktrees?: string;
  /** How long `claude --version` and the hook may take. */
  timeoutMs?: number;
  /** How long a login shell may take to start before it counts as hanging (default 5 s). */
  shellTimeoutMs?: number;
  /** The person's sandbox choice: `baton.sandbox*` settings, or BATON_SANDBOX* for the CLI. */
  sandbox?: PersonSandbox;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT: not installed). */
  error?: NodeJS.ErrnoException;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((done) => {
    execFile(command, args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 15_000, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { code?: string | number }) | null;
      if (e && typeof e.code === 'string') return done({ code: null, stdout: stdout ?? '', stderr: stderr ?? '', error: e });
      done({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout: stdout ?? '', stderr: stderr ?? '' });
    });
  });
}

export async function runDoctor(o: DoctorOptions): Promise<SetupReport> {
  const env = o.env ?? process.env;
  const checks: SetupCheck[] = [];
  const planFile = resolve(o.planFile);
  const parsed = readPlan(planFile, o.planText);
  const base = parsed?.plan.base || 'main';

  // Git first: every other check about the repository needs it.
  const gitCheck = await checkGit(env);
  checks.push(gitCheck);
  let root: string | undefined;
  if (gitCheck.status === 'fail') {
    checks.push(skipped('repository', 'Git repository', 'needs git'), skipped('base', `Commit on "${base}"`, 'needs git'));
  } else {
    const top = await run('git', ['rev-parse', '--show-toplevel'], { cwd: existingDir(dirname(planFile)), env });
    root = top.code === 0 ? top.stdout.trim() : undefined;
    if (!root) {
      checks.push({
        id: 'repository',
        title: 'Git repository',
        status: 'fail',
        detail: `${dirname(planFile)} is not inside a git repository; Baton gives each task its own git worktree.`,
        fix: `Make it one: git init, then commit the files workers should start from.`,
      });
      checks.push(skipped('base', `Commit on "${base}"`, 'needs a git repository'));
    } else {
      checks.push({ id: 'repository', title: 'Git repository', status: 'ok', detail: root });
      checks.push(await checkBase(root, base, parsed ? planFile : undefined, env));
      checks.push(await checkIdentity(root, env));
    }
  }

  checks.push(checkPlan(planFile, parsed));

  const dirCheck = root ? await checkBatonDir(root) : { check: skipped('baton-dir', BATON_DIR_TITLE, 'needs a git repository'), cleanUp: () => undefined };
  checks.push(dirCheck.check);

  const profiles = usedProfiles(parsed, o.agents ?? {});
  const usesClaude = profiles.some((p) => p.profile?.claudeHooks);
  const [agentChecks, hooks, shell] = await Promise.all([
    Promise.all(profiles.map((p) => checkAgent(p.name, p.profile, p.problem, env, o.timeoutMs))),
    usesClaude
      ? checkHooks(o, root && dirCheck.check.status === 'ok' ? root : undefined, base, env)
      : Promise.resolve(skipped('hooks', 'Hooks reach Baton', 'the plan has no Claude Code worker')),
    usesClaude ? checkLoginShell(env, o.shellTimeoutMs) : undefined,
  ]);
  dirCheck.cleanUp();
  checks.push(...agentChecks, hooks, ...(shell ? [shell] : []));
  if (usesClaude) checks.push(root ? checkTrust(root, env, o.trustWorktrees) : skipped('claude-trust', 'Claude Code trust', 'needs a git repository'));
  const sandbox = checkSandbox(parsed, o.sandbox, o.agents ?? {}, env);
  if (sandbox) checks.push(sandbox);

  return { ok: checks.every((c) => c.status !== 'fail'), root, planFile, checks };
}

/**
 * Can Claude Code's sandbox run here (bubblewrap and socat on Linux; Seatbelt is part of macOS)? An error
 * when the person's setting or the plan turns it on (those workers would be refused), a warning otherwise.
 */
function checkSandbox(parsed: ParseResult | undefined, person: PersonSandbox | undefined, agents: Record<string, Partial<AgentProfile>>, env: NodeJS.ProcessEnv): SetupCheck | undefined {
  const title = 'Sandbox';
  const tasks = parsed?.plan.tasks ?? [];
  const contained = parsed ? tasks.filter((t) => sandboxed(person?.mode, parsed.plan, t)) : [];
  const wanted = person?.mode === 'on' || contained.length > 0;
  const tools = sandboxTools(env);
  if (!tools.ok && tools.missing.length === 0 && !wanted) return undefined; // a platform without one, and nobody asked
  const who =
    person?.mode === 'on'
      ? 'on for every worker (your setting)'
      : contained.length === tasks.length
        ? 'on for every task (the plan)'
        : `on for ${contained.map((t) => t.id).join(', ')} (the plan)`;
  if (!tools.ok) {
    const missing = tools.missing.length ? `${tools.missing.join(' and ')} ${tools.missing.length === 1 ? 'is' : 'are'} not installed` : 'this system has none';
    return wanted
      ? { id: 'sandbox', title, status: 'fail', detail: `The sandbox is ${who}, but it cannot run here: ${missing}. Those workers will not start.`, fix: tools.install }
      : { id: 'sandbox', title, status: 'warn', detail: `No task uses the sandbox; it could not run here: ${missing}.`, fix: tools.install };
  }
  const notClaude = parsed ? contained.filter((t) => !profileIsClaude(t.agent ?? parsed.plan.defaults.agent, agents)) : [];
  if (notClaude.length) {
    return { id: 'sandbox', title, status: 'fail', detail: `The sandbox is ${who}, but Baton sandboxes Claude Code workers only: ${notClaude.map((t) => t.id).join(', ')} use another agent and will not start.`, fix: 'Give those tasks the claude agent, or turn the sandbox off for them.' };
  }
  const domains = person?.allowedDomains.length ? `they may reach ${person.allowedDomains.join(', ')}` : 'they may reach no network host (baton.sandboxAllowedDomains / BATON_SANDBOX_ALLOWED_DOMAINS)';
  return wanted
    ? { id: 'sandbox', title, status: 'ok', detail: `The sandbox is ${who} and can run here (${tools.backend}); ${domains}.` }
    : { id: 'sandbox', title, status: 'ok', detail: `The sandbox can run here (${tools.backend}); no task uses it (plan \`sandbox: on\`, setting baton.sandbox or BATON_SANDBOX=on).` };
}

function profileIsClaude(name: string, agents: Record<string, Partial<AgentProfile>>): boolean {
  try {
    return findProfile(name, agents).claudeHooks;
  } catch {
    return false;
  }
}

function skipped(id: CheckId, title: string, why: string): SetupCheck {
  return { id, title, status: 'skip', detail: `Not checked: ${why}.` };
}

function existingDir(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

function readPlan(planFile: string, text: string | undefined): ParseResult | undefined {
  try {
    return parsePlan(text ?? readFileSync(planFile, 'utf8'), planFile, { taskPositions: false });
  } catch {
    return undefined;
  }
}

// ---- git -------------------------------------------------------------------------------------

export function parseGitVersion(text: string): number[] | undefined {
  const m = /git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function atLeast(v: number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > min[i];
  return true;
}

async function checkGit(env: NodeJS.ProcessEnv): Promise<SetupCheck> {
  const title = 'Git';
  const r = await run('git', ['--version'], { env });
  const install = 'Install git (https://git-scm.com/downloads) and make sure `git` is on the PATH.';
  if (r.error) return { id: 'git', title, status: 'fail', detail: 'git was not found on the PATH.', fix: install };
  const version = parseGitVersion(r.stdout);
  if (!version) return { id: 'git', title, status: 'fail', detail: `"git --version" said: ${(r.stdout + r.stderr).trim() || 'nothing'}`, fix: install };
  const shown = version.join('.');
  if (!atLeast(version, MIN_GIT_VERSION)) {
    return { id: 'git', title, status: 'fail', detail: `git ${shown} is too old for Baton's worktrees (needs ${MIN_GIT_VERSION.join('.')} or later).`, fix: `Update git to ${MIN_GIT_VERSION.join('.')} or later.` };
  }
  return { id: 'git', title, status: 'ok', detail: `git ${shown}` };
}

async function checkBase(root: string, base: string, planFile: string | undefined, env: NodeJS.ProcessEnv): Promise<SetupCheck> {
  const title = `Commit on "${base}"`;
  if (base.startsWith('-')) return { id: 'base', title, status: 'fail', detail: `"${base}" is not a branch name.`, fix: 'Set `base:` in the plan to the branch workers start from, e.g. main.' };
  const found = await run('git', ['rev-parse', '--verify', '--quiet', `${base}^{commit}`], { cwd: root, env });
  if (found.code === 0) return { id: 'base', title, status: 'ok', detail: `${base} is at ${found.stdout.trim().slice(0, 12)}; worktrees branch from it.` };
  const head = await run('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: root, env });
  const branch = (await run('git', ['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: root, env })).stdout.trim();
  if (head.code !== 0) {
    // No commit at all. Baton can make the first one only where it lands on base, and only with the plan in it.
    const onBase = branch === base;
    return {
      id: 'base',
      title,
      status: 'fail',
      detail: 'The repository has no commit yet; each worker\'s worktree starts from one.',
      fix: onBase
        ? 'Commit the files workers should start from: git add -A && git commit -m "First commit".'
        : `Commit the files workers should start from (git add -A && git commit -m "First commit"), on a branch named "${base}" (git switch -c ${base}) or set \`base: ${branch || 'main'}\` in the plan.`,
      action: onBase && planFile ? 'first-commit' : undefined,
    };
  }
  const branches = (await run('git', ['for-each-ref', '--format=%(refname:short)', 'refs/heads'], { cwd: root, env })).stdout.split('\n').filter(Boolean);
  return {
    id: 'base',
    title,
    status: 'fail',
    detail: `There is no branch or commit "${base}" in this repository${branches.length ? ` (branches: ${branches.slice(0, 5).join(', ')}${branches.length > 5 ? ', …' : ''})` : ''}.`,
    fix: `Set \`base:\` in the plan to the branch workers start from${branch ? ` (e.g. \`base: ${branch}\`)` : ''}, or create it: git branch ${base}.`,
  };
}

/** Workers commit their work; without a git identity their `git commit` fails. */
async function checkIdentity(root: string, env: NodeJS.ProcessEnv): Promise<SetupCheck> {
  const title = 'Git identity';
  const get = async (key: string) => (await run('git', ['config', key], { cwd: root, env })).stdout.trim();
  const email = env.GIT_COMMITTER_EMAIL || env.GIT_AUTHOR_EMAIL || (await get('user.email'));
  const name = env.GIT_COMMITTER_NAME || env.GIT_AUTHOR_NAME || (await get('user.name'));
  if (email && name) return { id: 'git-identity', title, status: 'ok', detail: `${name} <${email}>` };
  return {
    id: 'git-identity',
    title,
    status: 'warn',
    detail: `git has no user.${email ? 'name' : 'email'} here, so a worker's "git commit" fails.`,
    fix: 'git config --global user.name "Your Name" && git config --global user.email you@example.com',
  };
}

// ---- the plan and .baton/ ----------------------------------------------------------------------

function checkPlan(planFile: string, parsed: ParseResult | undefined): SetupCheck {
  const title = 'Plan';
  if (!parsed) {
    return { id: 'plan', title, status: 'fail', detail: `There is no plan at ${planFile}.`, fix: 'Write one (Baton: Create Plan writes a commented sample), or pass the plan file.', action: 'create-plan' };
  }
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  const warnings = parsed.diagnostics.length - errors.length;
  if (errors.length) {
    const first = errors[0];
    return {
      id: 'plan',
      title,
      status: 'fail',
      detail: `${errors.length} error${errors.length === 1 ? '' : 's'}, the first at line ${first.span.start.line}: ${first.message}`,
      fix: 'Fix them: the Problems panel, or baton validate, lists each with its line and column.',
    };
  }
  const count = parsed.plan.tasks.length;
  return { id: 'plan', title, status: 'ok', detail: `${count} task${count === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}` };
}

/**
 * Writes, locks and removes a file in `.baton/` the way workers' heartbeats are written. When `.baton/`
 * did not exist, `cleanUp` removes it again, so checking leaves nothing behind.
 */
const BATON_DIR_TITLE = '.baton/ writable';

async function checkBatonDir(root: string): Promise<{ check: SetupCheck; cleanUp(): void }> {
  const title = BATON_DIR_TITLE;
  const layout = new BatonLayout(root);
  const existed = existsSync(layout.dir);
  // Only what this check made: if anything else has appeared in .baton/ meanwhile, it stays.
  const cleanUp = () => {
    try {
      if (!existed && readdirSync(layout.dir).every((name) => name === '.gitignore')) rmSync(layout.dir, { recursive: true, force: true });
    } catch {
      // never made, or already gone
    }
  };
  const probe = join(layout.dir, `.doctor-${process.pid}-${Date.now()}`);
  try {
    layout.ensureBatonDir();
    writeFileAtomic.sync(probe, '{}\n');
    const release = await lock(probe, { realpath: false, stale: 10_000 });
    await release();
    unlinkSync(probe);
    return { check: { id: 'baton-dir', title, status: 'ok', detail: `${layout.dir}${existed ? '' : ' (Baton makes it at the first start)'}` }, cleanUp };
  } catch (e) {
    rmSync(probe, { force: true });
    return {
      check: {
        id: 'baton-dir',
        title,
        status: 'fail',
        detail: `Baton cannot write its state in ${layout.dir}: ${(e as Error).message}`,
        fix: `Make ${existed ? layout.dir : root} writable for you (e.g. chmod u+w), or remove a stale .baton/ that belongs to another user.`,
      },
      cleanUp,
    };
  }
}

// ---- agents ----------------------------------------------------------------------------------

interface UsedProfile {
  name: string;
  profile?: AgentProfile;
  problem?: string;
}

/** Every worker profile the plan names (its default and each task's), or Claude Code without a plan. */
function usedProfiles(parsed: ParseResult | undefined, custom: Record<string, Partial<AgentProfile>>): UsedProfile[] {
  const names = new Set<string>([parsed?.plan.defaults.agent || 'claude']);
  for (const t of parsed?.plan.tasks ?? []) if (t.agent) names.add(t.agent);
  return [...names].map((name) => {
    try {
      return { name, profile: findProfile(name, custom) };
    } catch (e) {
      return { name, problem: (e as Error).message };
    }
  });
}

/** A login shell slower than this to start is worth a warning: every command a worker runs pays it. */
const SLOW_SHELL_MS = 1500;

/**
 * Claude Code runs each command a worker gives in a login shell of the person's shell (`bash -c -l`), which
 * reads their profile. A profile that takes seconds slows every command; one that hangs (pyenv's rehash waits
 * 60 s for a lock file that a killed shell left behind) stalls the worker at each command.
 */
async function checkLoginShell(env: NodeJS.ProcessEnv, timeoutMs = 5000): Promise<SetupCheck> {
  const title = 'Login shell';
  if (process.platform === 'win32') return skipped('shell', title, 'Claude Code runs commands in Git Bash on Windows');
  const shell = env.SHELL && /\/(ba|z)sh$/.test(env.SHELL) ? env.SHELL : findExecutable('bash', env);
  if (!shell) return skipped('shell', title, 'no bash or zsh on the PATH');
  // Not killed when it is slow: a profile killed half-way can leave the very lock behind that makes shells
  // hang. Past the time limit it is left to finish on its own, and nothing here waits for it.
  const started = Date.now();
  const ended = await new Promise<{ error?: Error }>((done) => {
    const child = spawn(shell, ['-l', '-c', 'exit 0'], { cwd: tmpdir(), env, stdio: 'ignore', detached: true });
    const timer = setTimeout(() => {
      child.unref();
      done({});
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      done({ error });
    });
    child.once('exit', () => {
      clearTimeout(timer);
      done({});
    });
  });
  const took = Date.now() - started;
  const profile = /zsh$/.test(shell) ? '~/.zprofile, ~/.zshrc' : '~/.bash_profile or ~/.profile, and ~/.bashrc';
  const fix = `Make your shell profile (${profile}) start quickly: see what it runs with \`${shell} -lx -c exit\`. Version managers' set-up lines are the usual cause; pyenv's rehash waits on a lock file (~/.pyenv/shims/.pyenv-shim) that a killed shell can leave behind: delete it.`;
  if (ended.error) return { id: 'shell', title, status: 'warn', detail: `${shell} could not be started: ${ended.error.message}`, fix: 'Set SHELL to your bash or zsh.' };
  if (took >= timeoutMs) {
    return { id: 'shell', title, status: 'warn', detail: `\`${shell} -l\` took more than ${Math.round(timeoutMs / 1000)} s to start. Claude Code runs each command a worker gives in a login shell, so each waits as long.`, fix };
  }
  if (took > SLOW_SHELL_MS) {
    return { id: 'shell', title, status: 'warn', detail: `\`${shell} -l\` took ${(took / 1000).toFixed(1)} s to start. Claude Code runs each command a worker gives in a login shell, so each waits that long.`, fix };
  }
  return { id: 'shell', title, status: 'ok', detail: `\`${shell} -l\` starts in ${took} ms.` };
}

async function checkAgent(name: string, profile: AgentProfile | undefined, problem: string | undefined, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<SetupCheck> {
  const claude = profile?.claudeHooks ?? name === 'claude';
  const title = claude ? `Claude Code CLI${name === 'claude' ? '' : ` (profile "${name}")`}` : `Worker agent "${name}"`;
  const where = 'set the profile\'s command in the setting baton.agents (BATON_AGENTS for the baton command)';
  if (!profile) return { id: 'agent', profile: name, title, status: 'fail', detail: problem ?? `No worker profile "${name}".`, fix: `Add the profile: ${where}, or change the plan's agent.` };
  const found = findExecutable(profile.command, env);
  if (!found) {
    return {
      id: 'agent',
      profile: name,
      title,
      status: 'fail',
      detail: `"${profile.command}" was not found on the PATH.`,
      fix: claude ? `Install Claude Code (npm install -g @anthropic-ai/claude-code), or ${where}.` : `Install it, or ${where}.`,
    };
  }
  if (!claude) return { id: 'agent', profile: name, title, status: 'ok', detail: found };
  const r = await run(found, ['--version'], { env, timeoutMs });
  const version = /^\s*(\d+\.\d+\.\d+\S*)/.exec(r.stdout)?.[1];
  if (r.code !== 0 || !version) {
    const said = (r.stderr || r.stdout || r.error?.message || '').trim().split('\n')[0];
    return {
      id: 'agent',
      profile: name,
      title,
      status: 'fail',
      detail: `${found} does not run: "${profile.command} --version" ${r.code === null ? 'could not start' : `exited with ${r.code}`}${said ? `: ${said}` : ''}.`,
      fix: 'Reinstall Claude Code (npm install -g @anthropic-ai/claude-code; its install step places the native binary), then run "claude --version".',
    };
  }
  return { id: 'agent', profile: name, title, status: 'ok', detail: `Claude Code ${version} at ${found}` };
}

/**
 * A real round trip: runs the SessionStart hook command exactly as it is written into a worker's Claude
 * Code settings (through the shell, as Claude Code runs it), for a throwaway task in a throwaway folder
 * under `.baton/` (not under `.baton/runs/`, so no window shows it as a worker), then looks for the event.
 */
async function checkHooks(o: DoctorOptions, root: string | undefined, base: string, env: NodeJS.ProcessEnv): Promise<SetupCheck> {
  const title = 'Hooks reach Baton';
  const settings = claudeHookSettings(o.batonCommand) as { hooks: Record<string, { hooks: { command: string }[] }[]> };
  const command = settings.hooks.SessionStart[0].hooks[0].command;
  const scratch = mkdtempSync(root ? join(root, '.baton', 'doctor-') : join(tmpdir(), 'baton-doctor-'));
  const taskId = 'doctor-check';
  const session = `doctor-${process.pid}-${Date.now()}`;
  const fix = 'Baton\'s hooks run its own command; reinstall or rebuild Baton (npm run build), and make sure Node can run it.';
  try {
    const layout = new BatonLayout(scratch);
    layout.ensureRunDir(taskId);
    const started = Date.now();
    const r = await shell(command, {
      cwd: root ?? scratch,
      env: { ...env, ...o.batonEnv, BATON_TASK_ID: taskId, BATON_ROOT: scratch, BATON_BASE: base },
      input: JSON.stringify({ session_id: session, hook_event_name: 'SessionStart', source: 'startup', cwd: root ?? scratch }),
      timeoutMs: o.timeoutMs ?? 30_000,
    });
    const took = Date.now() - started;
    const arrived = readEvents(layout.events(taskId)).some((e) => e.type === 'hook:SessionStart' && e.session === session);
    if (arrived) return { id: 'hooks', title, status: 'ok', detail: `A SessionStart hook reached Baton in ${took} ms.` };
    const lines = (r.stderr || r.stdout).split('\n').map((l) => l.trim()).filter(Boolean);
    const said = lines.find((l) => /error/i.test(l)) ?? lines[0];
    return {
      id: 'hooks',
      title,
      status: 'fail',
      detail: `The hook command ran (${r.code === null ? 'timed out or could not start' : `exit ${r.code}`}) but no event arrived${said ? `: ${said}` : ''}. Command: ${command}`,
      fix,
    };
  } catch (e) {
    return { id: 'hooks', title, status: 'fail', detail: `Could not run the hook: ${(e as Error).message}`, fix };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function shell(command: string, o: { cwd: string; env: NodeJS.ProcessEnv; input: string; timeoutMs: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined); // a command that never reads its input
    child.stdin.end(o.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

function checkTrust(root: string, env: NodeJS.ProcessEnv, trustWorktrees: string | undefined): SetupCheck {
  const title = 'Claude Code trust';
  const file = claudeConfigFile(env);
  if (isTrusted(file, root)) return { id: 'claude-trust', title, status: 'ok', detail: `${root} is trusted in ${file}, and with it every worktree.` };
  if (trustWorktrees === 'always') {
    return { id: 'claude-trust', title, status: 'ok', detail: 'Baton records trust for each worktree it creates (baton.claude.trustWorktrees: always).' };
  }
  let unreadable = false;
  try {
    if (existsSync(file)) JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    unreadable = true;
  }
  if (unreadable) {
    return {
      id: 'claude-trust',
      title,
      status: 'warn',
      detail: `${file} is not valid JSON, so Baton cannot tell (and will not write it).`,
      fix: 'Repair or remove that file (Claude Code writes it anew), then check again.',
    };
  }
  return {
    id: 'claude-trust',
    title,
    status: 'warn',
    detail:
      `${root} is not trusted yet: a worker in a terminal first asks "Do you trust the files in this folder?" and waits (headless ones do not ask).` +
      (trustWorktrees === 'ask' ? ' Baton offers to record it when you start the first worker.' : ''),
    fix: `Answer "Yes" once in a worker's terminal, run claude once in ${root} and answer it, or let Baton record it in ${file}.`,
    action: 'record-trust',
  };
}

// ---- fixes Baton can make ----------------------------------------------------------------------

/**
 * The first commit of a repository that has none: only the plan file, on the current (unborn) branch,
 * with the person's own git identity. Nothing else is staged or committed; everything else stays as it is.
 */
export async function commitPlanAsFirstCommit(root: string, planFile: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ((await run('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: root, env })).code === 0) throw new Error('The repository already has a commit.');
  const add = await run('git', ['add', '--', planFile], { cwd: root, env });
  if (add.code !== 0) throw new Error(`git add failed: ${(add.stderr || add.stdout).trim()}`);
  const commit = await run('git', ['commit', '--quiet', '-m', 'Add the Baton plan', '--', planFile], { cwd: root, env });
  if (commit.code !== 0) throw new Error(`git commit failed: ${(commit.stderr || commit.stdout).trim()}`);
  return (await run('git', ['rev-parse', 'HEAD'], { cwd: root, env })).stdout.trim();
}

// ---- text -----------------------------------------------------------------------------------

export const STATUS_MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/** One sentence: can a worker start? */
export function verdict(report: SetupReport): string {
  const fails = report.checks.filter((c) => c.status === 'fail').length;
  const warns = report.checks.filter((c) => c.status === 'warn').length;
  if (fails) return `${fails} problem${fails === 1 ? '' : 's'} stop${fails === 1 ? 's' : ''} workers from starting.`;
  return `A worker can start here${warns ? ` (${warns} thing${warns === 1 ? '' : 's'} worth fixing)` : ''}.`;
}

/** What `baton doctor` prints: a line per check, the fix indented under anything not ok. */
export function doctorText(report: SetupReport): string {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${STATUS_MARK[c.status]} ${c.title.padEnd(width)}  ${c.detail}`);
    if (c.fix && c.status !== 'ok') lines.push(`  ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  lines.push('', verdict(report));
  return lines.join('\n');
}
