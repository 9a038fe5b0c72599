// The per-worker Claude Code settings file (passed with --settings): hooks that call `baton hook <event>`.
import { HOOK_EVENTS } from '../run/hookIntake';

/** Hook commands are shell strings run by Claude Code; they hold only Baton's own paths, quoted. */
export function claudeHookSettings(batonCommand: string[]): Record<string, unknown> {
  const hooks: Record<string, unknown> = {};
  for (const event of HOOK_EVENTS) {
    const command = [...batonCommand, 'hook', event].map(shellQuote).join(' ');
    const entry = { hooks: [{ type: 'command', command, timeout: 30 }] };
    hooks[event] = event === 'PreToolUse' || event === 'PostToolUse' ? [{ matcher: '*', ...entry }] : [entry];
  }
  return { hooks };
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
