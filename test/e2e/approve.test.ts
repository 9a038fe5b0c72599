// Approving a worker's result in a real VS Code (code-server in Chromium), with the REAL Claude Code CLI
// against the scripted model: the worker finishes, the person runs "Baton: Approve Task" from the command
// palette, the merge queue lands the work on main (the person's checked-out main moves with it), the
// worktree and branch are removed, and the task that waited starts (auto-start) from a base holding the work.
//
//   flock /tmp/baton-host.lock npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/approve.test.ts
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Host, startHost } from '../host/harness';
import { packageBaton } from '../host/package-baton';
import { type ClaudeWorkspace, makeClaudeWorkspace } from '../support/claudeWorkspace';
import { poll } from '../support/poll';
import { type ScriptedModel, turn } from '../support/scriptedModel';

const PLAN = `version: 1
name: Approve
base: main
defaults:
  agent: claude
  heartbeatTimeout: 60s
tasks:
  - id: alpha
    title: Alpha feature
    description: Write alpha.txt and commit it.
  - id: gamma
    title: Gamma builds on alpha
    deps: [alpha]
    description: Write gamma.txt from alpha.txt.
`;

const SETTINGS = {
  'baton.claude.trustWorktrees': 'always',
  'baton.autoStart': true,
  'terminal.integrated.confirmOnExit': 'never',
  'terminal.integrated.confirmOnKill': 'never',
};

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

describe('Approve Task in VS Code, with the real Claude Code CLI', function () {
  this.timeout(180_000);
  let host: Host;
  let workspace: string;
  let model: ScriptedModel;
  let setup: ClaudeWorkspace | undefined;
  const worktree = (id: string) => path.join(workspace, '.baton', 'worktrees', id);
  const stateOf = async (title: string, view = 'Tasks') =>
    (await host.treeRows(view, { atLeast: 0, timeoutMs: 2000 })).find((r) => r.label === title);

  before(async function () {
    this.timeout(300_000);
    const vsix = packageBaton();
    setup = await makeClaudeWorkspace({ files: { 'baton.yaml': PLAN, 'README.md': '# Approve\n' } });
    ({ workspace, model } = setup);
    model.script('# Task alpha: Alpha feature', [
      turn.write(path.join(worktree('alpha'), 'alpha.txt'), 'alpha\n'),
      turn.bash('git add alpha.txt && git commit -m "Add alpha.txt"', 'Commit the work'),
      turn.text('Wrote and committed alpha.txt.'),
    ]);
    model.script('# Task gamma: Gamma builds on alpha', [
      turn.bash('cat alpha.txt', 'Read what alpha wrote'),
      turn.write(path.join(worktree('gamma'), 'gamma.txt'), 'gamma after alpha\n'),
      turn.bash('git add gamma.txt && git commit -m "Add gamma.txt"', 'Commit the work'),
      turn.text('Wrote and committed gamma.txt.'),
    ]);
    host = await startHost({ workspace, extensionVsix: vsix, name: 'e2e-approve', env: setup.env, settings: SETTINGS });
    await host.openViewContainer('Baton');
  });

  after(async function () {
    await host?.stop();
    await setup?.dispose();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await host?.screenshot(`e2e-approve-failed`).catch(() => undefined);
  });

  it('approves a finished worker from the palette: main holds its work, worktree and branch are gone, the waiting task starts from it', async () => {
    // Auto-start begins alpha; gamma waits for it.
    await poll('alpha in review', async () => ((await stateOf('Alpha feature', 'Workers'))?.description.startsWith('Review') ? true : undefined), 90_000);
    assert.equal((await stateOf('Gamma builds on alpha'))?.icon, 'lock');
    // The person's own uncommitted edit in the main working tree survives the approval.
    fs.writeFileSync(path.join(workspace, 'README.md'), '# Approve\nmy notes, not committed\n');

    await host.runCommand('Baton: Approve Task');
    assert.deepEqual(await host.quickPickItems(), ['Alpha feature']);
    await host.chooseQuickPickItem('Alpha feature');

    await poll('alpha approved', async () => ((await stateOf('Alpha feature'))?.icon === 'pass-filled' ? true : undefined), 30_000);
    const toasts = await host.page.locator('.notification-toast').allTextContents();
    assert.ok(!toasts.some((t) => /terminated with exit code/.test(t)), `the worker ended quietly for the approval: ${toasts.join(' | ')}`);
    const merge = git(workspace, 'log', '-1', '--format=%H %s', 'main');
    assert.match(merge, /Merge baton task alpha: Alpha feature \(baton\/alpha\)$/);
    assert.equal(git(workspace, 'show', 'main:alpha.txt'), 'alpha');
    assert.equal(fs.readFileSync(path.join(workspace, 'alpha.txt'), 'utf8'), 'alpha\n', 'the checked-out main moved forward');
    assert.equal(fs.readFileSync(path.join(workspace, 'README.md'), 'utf8'), '# Approve\nmy notes, not committed\n');
    await poll('alpha\'s worktree and branch removed', async () => (!fs.existsSync(worktree('alpha')) && git(workspace, 'branch', '--list', 'baton/alpha') === '' ? true : undefined), 20_000);
    const events = fs.readFileSync(path.join(workspace, '.baton/runs/alpha/events.jsonl'), 'utf8');
    assert.match(events, /"type":"queued"/);
    assert.match(events, new RegExp(`"type":"merged","at":"[^"]+","sha":"${merge.split(' ')[0]}"`));

    // Auto-start: gamma starts now, from a base that holds alpha's work.
    await poll('gamma in review', async () => ((await stateOf('Gamma builds on alpha', 'Workers'))?.description.startsWith('Review') ? true : undefined), 90_000);
    assert.equal(git(workspace, 'merge-base', '--is-ancestor', merge.split(' ')[0], 'baton/gamma') === '', true, 'gamma branched from the merged base');
    assert.equal(git(workspace, 'show', 'baton/gamma:alpha.txt'), 'alpha');
    await host.screenshot('e2e-approve');
  });

  it('a conflicting approval changes nothing and offers its two ways out; Resolve in Editor then Continue Merge lands it', async () => {
    await host.clearNotifications();
    // The person commits their own gamma.txt on main meanwhile: gamma's branch now conflicts with the base.
    fs.writeFileSync(path.join(workspace, 'gamma.txt'), 'the person\'s gamma\n');
    git(workspace, 'add', 'gamma.txt');
    git(workspace, 'commit', '-qm', 'My own gamma');
    const before = { main: git(workspace, 'rev-parse', 'main'), status: git(workspace, 'status', '--porcelain'), readme: fs.readFileSync(path.join(workspace, 'README.md'), 'utf8') };

    await host.runCommand('Baton: Approve Task');
    await host.chooseQuickPickItem('Gamma builds on alpha');
    const message = await host.waitForNotification('conflicts with the base', 30_000);
    assert.equal(message, '"gamma" conflicts with the base in gamma.txt. Nothing was changed.');
    assert.deepEqual({ main: git(workspace, 'rev-parse', 'main'), status: git(workspace, 'status', '--porcelain'), readme: fs.readFileSync(path.join(workspace, 'README.md'), 'utf8') }, before);
    await poll('gamma shows the conflict', async () => ((await stateOf('Gamma builds on alpha'))?.icon === 'git-merge' ? true : undefined), 10_000);
    const toast = host.page.locator('.notifications-toasts .notification-list-item', { hasText: 'conflicts with the base' }).first();
    assert.ok(await toast.locator('.monaco-button', { hasText: 'Ask the Worker to Rebase' }).isVisible());
    await toast.locator('.monaco-button', { hasText: 'Resolve in Editor' }).click();

    const resolveDir = path.join(workspace, '.baton', 'resolve', 'baton-gamma');
    await host.waitForNotification('Resolve the conflicts of "gamma"', 20_000);
    assert.match(fs.readFileSync(path.join(resolveDir, 'gamma.txt'), 'utf8'), /^<<<<<<< /m, 'the merge is laid out with its markers');
    await host.page.locator('.tab', { hasText: 'gamma.txt' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 1500)); // let the editor draw
    await host.screenshot('e2e-approve-resolve');
    assert.equal(await host.page.getByText('The editor could not be opened').count(), 0, 'the conflicting file opens in an editor');
    fs.writeFileSync(path.join(resolveDir, 'gamma.txt'), 'the person\'s gamma, and gamma after alpha\n');
    await host.page.locator('.notifications-toasts .notification-list-item', { hasText: 'Resolve the conflicts of "gamma"' }).first().locator('.monaco-button', { hasText: 'Continue Merge' }).click();

    await poll('gamma approved', async () => ((await stateOf('Gamma builds on alpha'))?.icon === 'pass-filled' ? true : undefined), 30_000);
    assert.equal(git(workspace, 'show', 'main:gamma.txt'), "the person's gamma, and gamma after alpha");
    assert.equal(fs.readFileSync(path.join(workspace, 'gamma.txt'), 'utf8'), "the person's gamma, and gamma after alpha\n");
    await poll('gamma\'s worktree and branch removed', async () => (!fs.existsSync(worktree('gamma')) && git(workspace, 'branch', '--list', 'baton/*') === '' ? true : undefined), 20_000);
  });
});
