// What an unattended Claude Code worker is allowed to run: the arguments Baton builds.
import { strict as assert } from 'node:assert';
import { allowedRules, BUILTIN_PROFILES, DEFAULT_PERMISSIONS, launchArgs } from '../../src/core/agents/profiles';

const values = { prompt: '{prompt}', promptFile: '/p.md', settingsFile: '/s.json', worktree: '/wt', taskId: 'a' };

function allowList(args: string[]): string[] {
  const from = args.indexOf('--allowedTools') + 1;
  const to = args.indexOf('--', from);
  return args.slice(from, to === -1 ? undefined : to);
}

describe('permissions a Claude Code worker gets', () => {
  it('allows each gate exactly as written, never as a prefix wildcard', () => {
    const args = launchArgs(BUILTIN_PROFILES.claude, false, values, DEFAULT_PERMISSIONS, ['npm test', 'sh', 'npx vitest run']);
    const allowed = allowList(args);
    assert.ok(allowed.includes('Bash(npm test)'));
    assert.ok(allowed.includes('Bash(sh)'), 'a gate `sh` allows `sh` alone, not `sh -c anything`');
    assert.ok(allowed.includes('Bash(npx vitest run)'));
    assert.ok(!allowed.some((a) => a.startsWith('Bash(sh') && a !== 'Bash(sh)'));
    assert.ok(!allowed.some((a) => /^Bash\((npm test|sh|npx vitest run):\*\)$/.test(a)), allowed.join(' '));
  });

  it('allows only the git subcommands a worker needs: nothing before the subcommand, no config', () => {
    const allowed = allowList(launchArgs(BUILTIN_PROFILES.claude, true, values, DEFAULT_PERMISSIONS, []));
    const git = allowed.filter((a) => a.startsWith('Bash(git'));
    assert.deepEqual(git, ['add', 'commit', 'status', 'diff', 'log', 'show', 'restore', 'stash'].map((c) => `Bash(git ${c}:*)`));
    assert.ok(!allowed.includes('Bash(git:*)'));
  });

  it('leaves out a gate that Claude Code would read as a wildcard or a broken rule, and says so', () => {
    const { rules, asked } = allowedRules(['npm test', 'rm -rf *', 'make check)', '']);
    assert.deepEqual(asked, ['rm -rf *', 'make check)']);
    assert.ok(rules.includes('Bash(npm test)'));
    assert.ok(!rules.some((r) => r.includes('rm -rf')));
  });

  it('keeps the person\'s own extra rules and mode, and puts every option before the prompt', () => {
    const args = launchArgs(BUILTIN_PROFILES.claude, false, values, { mode: 'default', allowedTools: ['Bash(npm run lint:*)'] }, ['npm test']);
    assert.deepEqual(args.slice(0, 2), ['--settings', '/s.json']);
    assert.deepEqual(args.slice(args.indexOf('--permission-mode'), args.indexOf('--permission-mode') + 2), ['--permission-mode', 'default']);
    assert.ok(allowList(args).includes('Bash(npm run lint:*)'));
    assert.deepEqual(args.slice(-2), ['--', '{prompt}']);
  });
});
