// Worker profiles: how to launch an agent. A profile is a command and argument arrays with placeholders,
// filled in per task; no shell ever sees them, so plan text in a prompt cannot run anything.

export interface AgentProfile {
  /** Executable name (looked up on PATH) or path. */
  command: string;
  /** Arguments in a terminal. Placeholders: {prompt} {promptFile} {settingsFile} {worktree} {taskId}. */
  args: string[];
  /** Arguments headless (`baton run`). Without {prompt} in them, the prompt arrives on stdin. */
  headlessArgs: string[];
  /** Claude Code hooks report status; other agents are followed through heartbeat.json alone. */
  claudeHooks: boolean;
}

/** The person's once-made choice of what an unattended Claude Code worker may do. */
export interface PermissionChoice {
  /** Claude Code permission mode: `acceptEdits` (default), `default`, `plan`, or `bypassPermissions`. */
  mode: string;
  /** Extra allowed tools, e.g. `Bash(npm run lint:*)`. */
  allowedTools: string[];
}

export const DEFAULT_PERMISSIONS: PermissionChoice = { mode: 'acceptEdits', allowedTools: [] };

export const BUILTIN_PROFILES: Record<string, AgentProfile> = {
  claude: {
    command: 'claude',
    args: ['--settings', '{settingsFile}', '{prompt}'],
    headlessArgs: ['-p', '--settings', '{settingsFile}'],
    claudeHooks: true,
  },
};

export interface ProfileValues {
  prompt: string;
  promptFile: string;
  settingsFile: string;
  worktree: string;
  taskId: string;
}

/** Resolves a profile name against the built-ins and the user's `baton.agents` setting. */
export function findProfile(name: string, custom: Record<string, Partial<AgentProfile>> = {}): AgentProfile {
  const own = custom[name];
  const builtin = BUILTIN_PROFILES[name];
  if (own && typeof own.command === 'string' && own.command) {
    return {
      command: own.command,
      args: stringArray(own.args) ?? builtin?.args ?? [],
      headlessArgs: stringArray(own.headlessArgs) ?? stringArray(own.args) ?? builtin?.headlessArgs ?? [],
      claudeHooks: own.claudeHooks ?? builtin?.claudeHooks ?? false,
    };
  }
  if (builtin) return builtin;
  const known = [...new Set([...Object.keys(BUILTIN_PROFILES), ...Object.keys(custom)])].join(', ');
  throw new Error(`No worker profile named "${name}". Known profiles: ${known}. Add one in the setting baton.agents.`);
}

/**
 * The git subcommands a worker needs to look at and commit its work. Each is allowed as a prefix
 * (`git commit -m …`), so nothing placed before the subcommand matches: no `-c alias.x='!cmd'`, no
 * `--exec-path`, no `config`, no push or checkout.
 */
export const GIT_SUBCOMMANDS = ['add', 'commit', 'status', 'diff', 'log', 'show', 'restore', 'stash'] as const;

/**
 * What Baton allows an unattended Claude Code worker to run, as Claude Code permission rules: each gate
 * exactly as written (a gate `npm test` allows `npm test`, not `npm test; anything`), the git
 * subcommands above, `baton report` / `baton request` (how a worker talks to the person) and the read-only
 * plan checks `baton validate` / `baton analyze` (the personas tell workers to use them). A gate holding `*` would be a
 * wildcard in Claude Code's rule syntax, so it is left out (`asked`): the worker asks before running it.
 */
export function allowedRules(gates: string[]): { rules: string[]; asked: string[] } {
  // `baton report` and `baton request` are how a worker talks to the person (the .baton/bin shim on its PATH).
  const rules: string[] = [...GIT_SUBCOMMANDS.map((c) => `Bash(git ${c}:*)`), 'Bash(baton report:*)', 'Bash(baton request:*)', 'Bash(baton validate:*)', 'Bash(baton analyze:*)'];
  const asked: string[] = [];
  for (const gate of gates.map((g) => g.trim()).filter(Boolean)) {
    if (/[*()\n]/.test(gate)) asked.push(gate);
    else rules.push(`Bash(${gate})`);
  }
  return { rules, asked };
}

/**
 * The argument array for a launch. For Claude Code it adds the permission choice: a mode, and an
 * allow-list (allowedRules) so an unattended worker can run its checks and commit but nothing else
 * without asking. It never bypasses permissions unless the person chose that mode.
 */
export function launchArgs(
  profile: AgentProfile,
  headless: boolean,
  values: ProfileValues,
  permissions: PermissionChoice,
  gates: string[],
  /** A Claude Code session to continue (Request Changes on a worker that has exited). */
  resumeSession?: string,
): string[] {
  const template = headless ? profile.headlessArgs : profile.args;
  const filled = template.map((arg) => arg.replace(/\{(prompt|promptFile|settingsFile|worktree|taskId)\}/g, (_, key: keyof ProfileValues) => values[key]));
  if (!profile.claudeHooks) return filled;
  const allowed = [...new Set([...allowedRules(gates).rules, ...permissions.allowedTools])];
  const extra = [...(resumeSession ? ['--resume', resumeSession] : []), '--permission-mode', permissions.mode, '--allowedTools', ...allowed];
  // Options before the positional prompt: `claude [options] [prompt]`.
  const promptAt = filled.indexOf(values.prompt);
  if (promptAt === -1) return [...filled, ...extra];
  return [...filled.slice(0, promptAt), ...extra, '--', ...filled.slice(promptAt)];
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
}
