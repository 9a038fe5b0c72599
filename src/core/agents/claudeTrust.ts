// Claude Code asks "Do you trust the files in this folder?" the first time it runs in a folder, and Baton
// makes a new folder (worktree) per task. With the person's consent, Baton records that answer for the
// worktrees it created, in Claude Code's own config file, so workers do not sit at that question.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';

/** `$CLAUDE_CONFIG_DIR/.claude.json`, else `~/.claude.json`. */
export function claudeConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLAUDE_CONFIG_DIR ? join(env.CLAUDE_CONFIG_DIR, '.claude.json') : join(homedir(), '.claude.json');
}

export function isTrusted(configFile: string, folder: string): boolean {
  try {
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    return config?.projects?.[folder]?.hasTrustDialogAccepted === true;
  } catch {
    return false;
  }
}

/**
 * Marks `folder` as trusted, keeping everything else in the file. Refuses (throws) rather than overwrite
 * a config file it cannot parse: losing someone's Claude Code settings is worse than one more question.
 */
export async function recordTrust(configFile: string, folder: string): Promise<void> {
  if (!existsSync(configFile)) writeFileAtomic.sync(configFile, '{}\n', { mode: 0o600 });
  const release = await lock(configFile, { realpath: false, stale: 10_000, retries: { retries: 20, minTimeout: 20, maxTimeout: 200 } });
  try {
    const text = readFileSync(configFile, 'utf8');
    let config: Record<string, unknown>;
    try {
      config = text.trim() ? JSON.parse(text) : {};
    } catch {
      throw new Error(`${configFile} is not valid JSON; Baton left it alone. Answer Claude Code's trust question in the worker's terminal instead.`);
    }
    const projects = (config.projects && typeof config.projects === 'object' ? config.projects : {}) as Record<string, Record<string, unknown>>;
    projects[folder] = { ...(projects[folder] ?? {}), hasTrustDialogAccepted: true };
    config.projects = projects;
    writeFileAtomic.sync(configFile, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  } finally {
    await release();
  }
}
