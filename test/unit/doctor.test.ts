// `baton doctor`: the bundled CLI as a person runs it, on real repositories, with the real Claude Code
// CLI (node_modules/.bin) and a real round trip through `baton hook`.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { claudeConfigFile, isTrusted, recordTrust } from '../../src/core/agents/claudeTrust';
import { commitPlanAsFirstCommit, parseGitVersion, runDoctor, type SetupReport } from '../../src/core/setup/doctor';
import { findClaudeBinary } from '../support/claudeEnv';
import { bundledCli, git, makeRepo, runCli } from './workspaceRepo';

const CLAUDE_PLAN = 'version: 1\nname: Doctor\nbase: main\ntasks:\n  - {id: a, title: A}\n';
const nodeModulesBin = resolve(__dirname, '../../node_modules/.bin');

/** A PATH with git (and nothing else of this machine's), so "claude" is not found. */
function pathWithGitOnly(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-path-'));
  symlinkSync(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), join(dir, 'git'));
  return dir;
}

function configDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-claude-config-'));
  writeFileSync(join(dir, '.claude.json'), '{"hasCompletedOnboarding": true}\n');
  return dir;
}

function check(report: SetupReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no "${id}" check in ${JSON.stringify(report.checks.map((c) => c.id))}`);
  return found;
}

describe('baton doctor', function () {
  this.timeout(60_000);
  // The login-shell check reads the profile in HOME: these tests run with an empty one, not this machine's.
  const home = process.env.HOME;
  before(async () => {
    await bundledCli();
    process.env.HOME = mkdtempSync(join(tmpdir(), 'baton-home-'));
  });
  after(() => {
    process.env.HOME = home;
  });

  /** runDoctor on a Claude Code plan, with `profile` as the login shell's ~/.profile. */
  async function shellCheck(profile: string, shellTimeoutMs?: number) {
    const repo = makeRepo(CLAUDE_PLAN);
    const dir = mkdtempSync(join(tmpdir(), 'baton-home-'));
    writeFileSync(join(dir, '.profile'), profile);
    const started = Date.now();
    const report = await runDoctor({
      planFile: join(repo, 'baton.yaml'),
      batonCommand: [process.execPath, await bundledCli()],
      env: { ...process.env, HOME: dir, SHELL: '/bin/bash', PATH: `${nodeModulesBin}${delimiter}${process.env.PATH}` },
      shellTimeoutMs,
    });
    return { shell: check(report, 'shell'), ms: Date.now() - started };
  }

  it('a login shell that starts quickly passes; a slow one is worth fixing, as every command a worker runs pays it', async () => {
    const quick = await shellCheck('');
    assert.equal(quick.shell.status, 'ok', quick.shell.detail);
    assert.match(quick.shell.detail, /^`\/bin\/bash -l` starts in \d+ ms\.$/);
    const slow = await shellCheck('sleep 2\n');
    assert.equal(slow.shell.status, 'warn');
    assert.match(slow.shell.detail, /^`\/bin\/bash -l` took 2\.\d s to start\. Claude Code runs each command a worker gives in a login shell/);
    assert.match(slow.shell.fix!, /Make your shell profile \(~\/\.bash_profile or ~\/\.profile, and ~\/\.bashrc\) start quickly/);
  });

  it('a login shell that hangs is reported at the time limit; Baton neither waits for it nor kills it', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'baton-shell-')), 'finished');
    const hung = await shellCheck(`sleep 6\ntouch '${marker}'\n`, 1000);
    assert.equal(existsSync(marker), false, `the report came before the shell finished (after ${hung.ms} ms)`);
    assert.equal(hung.shell.status, 'warn');
    assert.match(hung.shell.detail, /took more than 1 s to start/);
    assert.match(hung.shell.fix!, /pyenv's rehash waits on a lock file/);
    // Left to finish on its own: a profile killed half-way can leave a lock behind.
    const until = Date.now() + 15_000;
    while (!existsSync(marker) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(marker), 'the shell ran its profile to the end');
  });

  it('a healthy repository: every check passes, the hook round trip reaches Baton, exit 0, nothing left behind', async () => {
    const repo = makeRepo(CLAUDE_PLAN);
    const config = configDir();
    await recordTrust(join(config, '.claude.json'), repo);
    const env = { PATH: `${nodeModulesBin}${delimiter}${process.env.PATH}`, CLAUDE_CONFIG_DIR: config };
    const r = await runCli(repo, ['doctor'], env);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const version = execFileSync(join(nodeModulesBin, 'claude'), ['--version'], { encoding: 'utf8' }).split(' ')[0];
    for (const line of [
      /^✓ Git +git \d+\.\d+/m,
      /^✓ Commit on "main" +main is at [0-9a-f]{12}/m,
      /^✓ Plan +1 task$/m,
      /^✓ \.baton\/ writable /m,
      new RegExp(`^✓ Claude Code CLI +Claude Code ${version.replace(/\./g, '\\.')} at ${nodeModulesBin}/claude$`, 'm'),
      /^✓ Hooks reach Baton +A SessionStart hook reached Baton in \d+ ms\.$/m,
      /^✓ Login shell +`.+ -l` starts in \d+ ms\.$/m,
      /^✓ Claude Code trust /m,
    ]) {
      assert.match(r.stdout, line);
    }
    assert.match(r.stdout, /\n\nA worker can start here\.\n$/);
    assert.doesNotMatch(r.stdout, /^[✗!-] /m);
    assert.ok(!existsSync(join(repo, '.baton')), 'a check leaves no .baton/ where there was none');
    assert.equal(git(repo, 'status', '--porcelain', '--untracked-files=all'), '');

    const json = JSON.parse((await runCli(repo, ['doctor', '--json'], env)).stdout) as SetupReport;
    assert.equal(json.ok, true);
    assert.equal(json.root, repo);
    assert.deepEqual(
      json.checks.map((c) => [c.id, c.status]),
      [['git', 'ok'], ['repository', 'ok'], ['base', 'ok'], ['git-identity', 'ok'], ['plan', 'ok'], ['baton-dir', 'ok'], ['agent', 'ok'], ['hooks', 'ok'], ['shell', 'ok'], ['claude-trust', 'ok'], ['sandbox', 'ok']],
    );
  });

  it('an existing .baton/ keeps everything in it; the hook scratch folder is gone', async () => {
    const repo = makeRepo(CLAUDE_PLAN);
    execFileSync('mkdir', ['-p', join(repo, '.baton/runs/a')]);
    writeFileSync(join(repo, '.baton/runs/a/heartbeat.json'), '{"task_id":"a","status":"done"}');
    const r = await runCli(repo, ['doctor', '--json'], { PATH: `${nodeModulesBin}${delimiter}${process.env.PATH}`, CLAUDE_CONFIG_DIR: configDir() });
    const report = JSON.parse(r.stdout) as SetupReport;
    assert.equal(check(report, 'hooks').status, 'ok');
    assert.deepEqual(execFileSync('ls', ['-A', join(repo, '.baton')], { encoding: 'utf8' }).split('\n').filter(Boolean).sort(), ['.gitignore', 'runs']);
    assert.equal(readFileSync(join(repo, '.baton/runs/a/heartbeat.json'), 'utf8'), '{"task_id":"a","status":"done"}');
  });

  it('Claude Code not told to trust the repository: a warning with Baton\'s fix, still exit 0', async () => {
    const repo = makeRepo(CLAUDE_PLAN);
    const config = configDir();
    const r = await runCli(repo, ['doctor'], { PATH: `${nodeModulesBin}${delimiter}${process.env.PATH}`, CLAUDE_CONFIG_DIR: config });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, new RegExp(`^! Claude Code trust +${repo} is not trusted yet: a worker in a terminal first asks "Do you trust the files in this folder\\?"`, 'm'));
    assert.match(r.stdout, /fix: Answer "Yes" once in a worker's terminal/);
    assert.match(r.stdout, /A worker can start here \(1 thing worth fixing\)\.\n$/);
    const report = JSON.parse((await runCli(repo, ['doctor', '--json'], { PATH: `${nodeModulesBin}${delimiter}${process.env.PATH}`, CLAUDE_CONFIG_DIR: config })).stdout) as SetupReport;
    assert.equal(check(report, 'claude-trust').action, 'record-trust');
    // The fix the extension offers as a button, and the check after it.
    await recordTrust(claudeConfigFile({ CLAUDE_CONFIG_DIR: config }), report.root!);
    assert.ok(isTrusted(join(config, '.claude.json'), repo));
    const after = JSON.parse(readFileSync(join(config, '.claude.json'), 'utf8'));
    assert.equal(after.hasCompletedOnboarding, true, 'the rest of Claude Code\'s config is kept');
  });

  it('a repository without commits: exit 1, says so and how to fix it; Baton\'s fix commits only the plan', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'baton-repo-'));
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
    execFileSync('git', ['config', 'user.email', 'test@example.com'], { cwd: repo });
    execFileSync('git', ['config', 'user.name', 'Test'], { cwd: repo });
    writeFileSync(join(repo, 'baton.yaml'), CLAUDE_PLAN);
    writeFileSync(join(repo, 'notes.txt'), 'not for a commit\n');
    const env = { PATH: `${nodeModulesBin}${delimiter}${process.env.PATH}`, CLAUDE_CONFIG_DIR: configDir() };
    const r = await runCli(repo, ['doctor'], env);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^✗ Commit on "main" +The repository has no commit yet; each worker's worktree starts from one\.$/m);
    assert.match(r.stdout, /fix: Commit the files workers should start from: git add -A && git commit -m "First commit"\./);
    assert.match(r.stdout, /\n\n1 problem stops workers from starting\.\n$/);
    const report = JSON.parse((await runCli(repo, ['doctor', '--json'], env)).stdout) as SetupReport;
    assert.equal(report.ok, false);
    assert.equal(check(report, 'base').action, 'first-commit');

    await commitPlanAsFirstCommit(report.root!, report.planFile);
    assert.equal(git(repo, 'show', '--name-only', '--format=%s', 'HEAD'), 'Add the Baton plan\n\nbaton.yaml');
    assert.equal(git(repo, 'status', '--porcelain'), '?? notes.txt', 'nothing else was staged or committed');
    assert.equal((await runCli(repo, ['doctor'], env)).status, 0);
  });

  it('a base that is not a branch here: names the branches there are', async () => {
    const repo = makeRepo(CLAUDE_PLAN.replace('base: main', 'base: develop'));
    const r = await runCli(repo, ['doctor'], { PATH: `${nodeModulesBin}${delimiter}${process.env.PATH}` });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^✗ Commit on "develop" +There is no branch or commit "develop" in this repository \(branches: main\)\.$/m);
    assert.match(r.stdout, /fix: Set `base:` in the plan to the branch workers start from \(e\.g\. `base: main`\), or create it: git branch develop\./);
  });

  it('no Claude Code CLI on the PATH: exit 1 and how to install it', async () => {
    const repo = makeRepo(CLAUDE_PLAN);
    const r = await runCli(repo, ['doctor'], { PATH: pathWithGitOnly() });
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /^✗ Claude Code CLI +"claude" was not found on the PATH\.$/m);
    assert.match(r.stdout, /fix: Install Claude Code \(npm install -g @anthropic-ai\/claude-code\), or set the profile's command in the setting baton\.agents \(BATON_AGENTS for the baton command\)\./);
    assert.match(r.stdout, /^✓ Hooks reach Baton /m, 'the hooks are Baton\'s own and still checked');
    assert.match(r.stdout, /1 problem stops workers from starting\.\n$/);
  });

  it('the sandbox: a warning when nothing uses it and bubblewrap is missing, an error with the install command when the plan or BATON_SANDBOX turns it on', async () => {
    const plain = makeRepo(CLAUDE_PLAN);
    const withoutTools = { PATH: `${nodeModulesBin}${delimiter}${pathWithGitOnly()}` };
    const unused = await runCli(plain, ['doctor'], withoutTools);
    assert.match(unused.stdout, /^! Sandbox +No task uses the sandbox; it could not run here: bubblewrap and socat are not installed\.$/m);
    assert.match(unused.stdout, /fix: Install bubblewrap socat: `sudo apt-get install bubblewrap socat` \(Debian, Ubuntu\), `sudo dnf install bubblewrap socat` \(Fedora\), `sudo pacman -S bubblewrap socat` \(Arch\)\./);

    const asked = await runCli(plain, ['doctor'], { ...withoutTools, BATON_SANDBOX: 'on' });
    assert.equal(asked.status, 1, asked.stdout);
    assert.match(asked.stdout, /^✗ Sandbox +The sandbox is on for every worker \(your setting\), but it cannot run here: bubblewrap and socat are not installed\. Those workers will not start\.$/m);

    const planned = makeRepo(CLAUDE_PLAN.replace('title: A}', 'title: A, sandbox: on}'));
    const byPlan = await runCli(planned, ['doctor'], withoutTools);
    assert.equal(byPlan.status, 1, byPlan.stdout);
    assert.match(byPlan.stdout, /^✗ Sandbox +The sandbox is on for every task \(the plan\), but it cannot run here/m);
    // BATON_SANDBOX=off does not turn off what the plan turned on.
    assert.equal((await runCli(planned, ['doctor'], { ...withoutTools, BATON_SANDBOX: 'off' })).status, 1);

    const here = await runCli(planned, ['doctor'], { PATH: `${nodeModulesBin}${delimiter}${process.env.PATH}`, BATON_SANDBOX_ALLOWED_DOMAINS: 'registry.npmjs.org' });
    assert.match(here.stdout, /^✓ Sandbox +The sandbox is on for every task \(the plan\) and can run here \(bubblewrap\); they may reach registry\.npmjs\.org\.$/m);
  });

  it('honours the claude profile\'s command from BATON_AGENTS, like the rest of the CLI', async () => {
    const repo = makeRepo(CLAUDE_PLAN);
    const claude = findClaudeBinary();
    const r = await runCli(repo, ['doctor', '--json'], { PATH: pathWithGitOnly(), BATON_AGENTS: JSON.stringify({ claude: { command: claude } }) });
    const agent = check(JSON.parse(r.stdout), 'agent');
    assert.equal(agent.status, 'ok', agent.detail);
    assert.match(agent.detail, new RegExp(`^Claude Code \\d+\\.\\d+\\.\\d+ at ${claude.replace(/[.]/g, '\\.')}$`));
    assert.equal(r.status, 0);
  });

  it('a claude that does not run (the package\'s stub before its install step) is not "found"', async () => {
    const repo = makeRepo(CLAUDE_PLAN);
    const dir = mkdtempSync(join(tmpdir(), 'baton-path-'));
    writeFileSync(join(dir, 'claude'), '#!/bin/sh\necho "Error: claude native binary not installed." >&2\nexit 1\n');
    chmodSync(join(dir, 'claude'), 0o755);
    const r = await runCli(repo, ['doctor'], { PATH: `${dir}${delimiter}${process.env.PATH}` });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^✗ Claude Code CLI +.*\/claude does not run: "claude --version" exited with 1: Error: claude native binary not installed\.\.$/m);
  });

  it('a plan with errors, or none: exit 1, with the first error and where to see them all', async () => {
    const repo = makeRepo('version: 1\ntasks:\n  - {id: a, title: A, deps: [nope]}\n');
    const env = { PATH: `${nodeModulesBin}${delimiter}${process.env.PATH}` };
    const r = await runCli(repo, ['doctor'], env);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^✗ Plan +1 error, the first at line 3: Task "a" depends on "nope"/m);
    const none = await runCli(repo, ['doctor', 'other.yaml'], env);
    assert.equal(none.status, 1);
    assert.match(none.stdout, new RegExp(`^✗ Plan +There is no plan at ${repo}/other\\.yaml\\.$`, 'm'));
    assert.equal((await runCli(repo, ['doctor', 'a.yaml', 'b.yaml'])).status, 2, 'two plans is a usage error');
  });

  it('a hook command that cannot reach Baton fails the check and shows the command', async () => {
    const repo = makeRepo(CLAUDE_PLAN);
    const report = await runDoctor({
      planFile: join(repo, 'baton.yaml'),
      batonCommand: [process.execPath, join(repo, 'no-such-cli.js')],
      env: { ...process.env, PATH: `${nodeModulesBin}${delimiter}${process.env.PATH}` },
    });
    const hooks = check(report, 'hooks');
    assert.equal(hooks.status, 'fail');
    assert.match(hooks.detail, /^The hook command ran \(exit 1\) but no event arrived: .*Cannot find module .*no-such-cli\.js/);
    assert.match(hooks.detail, /Command: .*no-such-cli\.js hook SessionStart$/);
    assert.equal(report.ok, false);
  });

  it('without git: git fails, the repository checks are skipped, nothing throws', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'baton-path-'));
    const report = await runDoctor({ planFile: join(empty, 'baton.yaml'), batonCommand: [process.execPath, 'x'], env: { PATH: empty } });
    assert.equal(check(report, 'git').status, 'fail');
    assert.match(check(report, 'git').fix!, /Install git/);
    assert.equal(check(report, 'repository').status, 'skip');
    assert.equal(check(report, 'base').status, 'skip');
  });

  it('a git too old for worktrees fails, saying which version is needed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-path-'));
    writeFileSync(join(dir, 'git'), '#!/bin/sh\necho "git version 2.16.6"\n');
    chmodSync(join(dir, 'git'), 0o755);
    const report = await runDoctor({ planFile: join(dir, 'baton.yaml'), batonCommand: [process.execPath, 'x'], env: { PATH: dir } });
    const git = check(report, 'git');
    assert.equal(git.status, 'fail');
    assert.equal(git.detail, 'git 2.16.6 is too old for Baton\'s worktrees (needs 2.17.0 or later).');
    assert.equal(git.fix, 'Update git to 2.17.0 or later.');
  });

  it('reads git versions as git prints them', () => {
    assert.deepEqual(parseGitVersion('git version 2.39.5\n'), [2, 39, 5]);
    assert.deepEqual(parseGitVersion('git version 2.45.1.windows.1'), [2, 45, 1]);
    assert.deepEqual(parseGitVersion('git version 2.17'), [2, 17, 0]);
    assert.equal(parseGitVersion('hello'), undefined);
  });
});
