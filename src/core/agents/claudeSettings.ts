// The per-worker Claude Code settings file (passed with --settings): hooks that call `baton hook <event>`.
import { HOOK_EVENTS } from '../run/hookIntake';

/** Hook commands are shell strings run by Claude Code; they hold only Baton's own paths, quoted. */
export function claudeHookSettings(batonCommand: string[], batonEnv: Record<string, string> = {}): Record<string, unknown> {
  const hooks: Record<string, unknown> = {};
  // Baton's own variables (ELECTRON_RUN_AS_NODE inside VS Code) go on the hook's command line: the agent's
  // environment does not carry them.
  const assignments = Object.entries(batonEnv).map(([k, v]) => `${k}=${shellQuote(v)} `).join('');
  for (const event of HOOK_EVENTS) {
    const command = assignments + [...batonCommand, 'hook', event].map(shellQuote).join(' ');
    const entry = { hooks: [{ type: 'command', command, timeout: 30 }] };
    hooks[event] = event === 'PreToolUse' || event === 'PostToolUse' ? [{ matcher: '*', ...entry }] : [entry];
  }
  return { hooks };
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
