// Everything a test needs to run the real Claude Code CLI against the scripted model (scriptedModel.ts):
// where the binary is, a throw-away config folder that has already seen onboarding and trusts the given
// folders, an environment that points the CLI at the stub and keeps it off the network, and a settings
// file whose hooks record every event. See README.md beside this file for what was learned.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

const projectRoot = resolve(__dirname, '..', '..');

/**
 * Path of the native `claude` binary installed by the `@anthropic-ai/claude-code` devDependency.
 * The package's postinstall copies the binary for this platform over `bin/claude.exe`; if that script
 * did not run, the binary is taken straight from the platform package. Throws, saying what to do, when
 * neither is there.
 */
export function findClaudeBinary(root = projectRoot): string {
  const modules = join(root, 'node_modules', '@anthropic-ai');
  const placed = join(modules, 'claude-code', 'bin', 'claude.exe');
  // Before postinstall, bin/claude.exe is a 500-byte shell stub that only prints an error.
  if (existsSync(placed) && statSync(placed).size > 1_000_000) return placed;
  const libc = process.platform === 'linux' && !glibc() ? '-musl' : '';
  const exe = process.platform === 'win32' ? 'claude.exe' : 'claude';
  const native = join(modules, `claude-code-${process.platform}-${process.arch}${libc}`, exe);
  if (existsSync(native)) return native;
  throw new Error(
    `The Claude Code CLI is not installed: neither ${placed} (a real binary) nor ${native} exists. ` +
      'Run `npm ci` (with optional dependencies, and install scripts allowed for @anthropic-ai/claude-code).',
  );
}

function glibc(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime !== undefined;
}

export interface ClaudeEnvOptions {
  /** The scripted model's URL. */
  baseUrl: string;
  /**
   * Folders whose "do you trust this folder?" question counts as answered. Trusting a repository's main
   * folder also covers its linked worktrees, wherever they are.
   */
  trustedFolders?: string[];
  /**
   * How long the interactive CLI waits at its prompt before the `idle_prompt` Notification hook fires
   * (the CLI's own default is 60 s).
   */
  idleNotificationMs?: number;
  /** The CLI will run with --dangerously-skip-permissions (as root that needs IS_SANDBOX=1). */
  bypassPermissions?: boolean;
  /** Variables added last (e.g. a git identity for commits the worker makes). */
  extra?: Record<string, string>;
}

export interface ClaudeEnv {
  /**
   * The temp CLAUDE_CONFIG_DIR: `.claude.json`, `settings.json`; the CLI writes transcripts under
   * `projects/` and its scratch files under `tmp/`.
   */
  configDir: string;
  /** Environment for the CLI process. */
  env: NodeJS.ProcessEnv;
  /** Marks one more folder as trusted (a repository's root also covers its worktrees). */
  trust(folder: string): void;
  /** Removes the config folder. */
  dispose(): void;
}

/**
 * A config folder and an environment for running the CLI against `baseUrl`. The parent's ANTHROPIC_*,
 * CLAUDE* variables are dropped, so a developer's own key, or running the tests from inside Claude Code,
 * changes nothing.
 */
export function makeClaudeEnv(options: ClaudeEnvOptions): ClaudeEnv {
  const configDir = mkdtempSync(join(tmpdir(), 'baton-claude-config-'));
  const configFile = join(configDir, '.claude.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      hasCompletedOnboarding: true,
      // The older spelling of "skip the --dangerously-skip-permissions warning": the CLI moves it into
      // settings.json as skipDangerousModePermissionPrompt, which is also written below.
      bypassPermissionsModeAccepted: true,
      ...(options.idleNotificationMs !== undefined ? { messageIdleNotifThresholdMs: options.idleNotificationMs } : {}),
      projects: {},
    }),
  );
  writeFileSync(join(configDir, 'settings.json'), JSON.stringify({ skipDangerousModePermissionPrompt: true }));
  const trust = (folder: string) => {
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { projects: Record<string, Record<string, unknown>> };
    config.projects[resolve(folder)] = { ...config.projects[resolve(folder)], hasTrustDialogAccepted: true };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
  };
  for (const folder of options.trustedFolders ?? []) trust(folder);

  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(ANTHROPIC_|CLAUDE)/.test(name)),
  );
  // An empty home of its own: the CLI runs every Bash command in a login shell (`bash -c -l`), which reads
  // the machine user's profile. A profile that hangs (pyenv's rehash waits 60 s on a lock a killed shell left)
  // would stall each worker's commands; the repositories tests make carry their own git identity.
  const home = join(configDir, 'home');
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    HOME: home,
    CLAUDE_CONFIG_DIR: configDir,
    // Where the CLI keeps per-session scratch (`claude-<uid>/...`, else under the system temp folder).
    CLAUDE_CODE_TMPDIR: join(configDir, 'tmp'),
    ANTHROPIC_BASE_URL: options.baseUrl,
    // A bearer token, not ANTHROPIC_API_KEY: with a key the interactive CLI first asks whether to use it.
    ANTHROPIC_AUTH_TOKEN: 'test',
    // No telemetry, error reports, update checks or feature-flag fetches: nothing leaves the machine.
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
    // As root the CLI refuses --dangerously-skip-permissions unless told it runs in a sandbox. Only then:
    // IS_SANDBOX changes other behaviour too.
    ...(options.bypassPermissions && process.getuid?.() === 0 ? { IS_SANDBOX: '1' } : {}),
    ...options.extra,
  };
  return { configDir, env, trust, dispose: () => rmSync(configDir, { recursive: true, force: true }) };
}

/**
 * `claude.env` with the CLI on PATH as `claude` (a link in the config folder, removed with it): Baton's
 * built-in profile runs `claude` from PATH, as on a person's machine. Plain strings, as spawn and the
 * host take them.
 */
export function withClaudeOnPath(claude: ClaudeEnv): Record<string, string> {
  const bin = join(claude.configDir, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(findClaudeBinary(), join(bin, 'claude'));
  const env = { ...claude.env, PATH: `${bin}${delimiter}${process.env.PATH}` };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The hook events Baton listens to. */
export const hookEvents = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Notification', 'Stop', 'SessionEnd'] as const;

export interface HookRecorder {
  /** Pass to the CLI as `--settings <file>`. */
  settingsFile: string;
  /** Every hook event received so far, in order: the JSON each hook command read on stdin. */
  events(): Record<string, unknown>[];
}

/**
 * Writes, into `dir`, a settings file whose hooks append the event JSON they get on stdin, as one line,
 * to `hook-events.jsonl`. Hook commands are shell strings, so they are built only from our own paths,
 * each single-quoted.
 */
export function writeHookRecorder(dir: string, events: readonly string[] = hookEvents): HookRecorder {
  const script = join(dir, 'record-hook.cjs');
  const log = join(dir, 'hook-events.jsonl');
  writeFileSync(
    script,
    "const fs = require('fs');\n" +
      "let input = '';\n" +
      "process.stdin.on('data', (d) => (input += d));\n" +
      "process.stdin.on('end', () => fs.appendFileSync(process.argv[2], JSON.stringify(JSON.parse(input)) + '\\n'));\n",
  );
  const command = [process.execPath, script, log].map(shellQuote).join(' ');
  const hooks = Object.fromEntries(events.map((event) => [event, [{ matcher: '', hooks: [{ type: 'command', command, timeout: 10 }] }]]));
  const settingsFile = join(dir, 'hook-settings.json');
  writeFileSync(settingsFile, JSON.stringify({ hooks }, null, 2));
  return {
    settingsFile,
    events: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
  };
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
