// The first hour with Baton, in a real VS Code (code-server in Chromium): a worker's terminal, stopping
// a worker mid-turn, Reveal Worktree in the browser, an agent that is not installed. The workers here run
// a small shell script through the worker-profile setting (the mechanism for non-Claude agents), so the
// test needs no model; what is checked is what a person sees.
//
//   flock /tmp/baton-host.lock npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/firstHour.test.ts
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanUpOnExit, type Host, killProcessesMentioning, startHost, type TreeRow } from '../host/harness';
import { packageBaton } from '../host/package-baton';
import { makeGitWorkspace, removeWorkspace } from '../host/workspace';
import { poll } from '../support/poll';

const PLAN = `version: 1
name: First hour
base: main
defaults:
  agent: script
tasks:
  - id: api-schema
    title: Contact message type
    description: Write the type.
  - id: no-agent
    title: Task for an agent that is not installed
    description: Anything.
    agent: missing
`;

const SETTINGS = {
  'baton.agents': {
    // Works until stopped: a worker in the middle of its turn, as far as Baton can tell (starting). Found
    // only through the PATH the server was started with, as `claude` is after `npm start` (which starts
    // code-server the same way, keeping that PATH rather than a login shell's).
    script: { command: 'first-hour-agent', args: ['{taskId}'] },
    missing: { command: 'baton-agent-that-is-not-installed' },
  },
  'terminal.integrated.confirmOnExit': 'never',
  'terminal.integrated.confirmOnKill': 'never',
};

const stateOf = (row: TreeRow | undefined) => row?.description.split(' · ')[0];

describe('The first hour with workers (code-server)', function () {
  this.timeout(120_000);
  let host: Host;
  let workspace: string;
  let bin: string;

  const workerRow = (title: string, state: string, timeoutMs = 30_000) =>
    poll(`"${title}" as ${state} in the Workers view`, async () => {
      const row = (await host.treeRows('Workers', { atLeast: 0, timeoutMs: 2000 })).find((r) => r.label === title);
      return stateOf(row) === state ? row : undefined;
    }, timeoutMs);
  const terminalNames = () =>
    host.page
      .locator('.part.panel .single-terminal-tab, .part.panel .terminal-tabs-entry')
      .evaluateAll((els) => els.map((el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim()));
  const toasts = () => host.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();

  before(async function () {
    this.timeout(300_000);
    const vsix = packageBaton();
    workspace = makeGitWorkspace({ files: { 'baton.yaml': PLAN, 'README.md': '# First hour\n' } });
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-first-hour-bin-'));
    fs.writeFileSync(path.join(bin, 'first-hour-agent'), '#!/bin/sh\necho "working on $1"\nexec sleep 600\n', { mode: 0o755 });
    const ws = workspace;
    const binDir = bin;
    cleanUpOnExit(() => {
      killProcessesMentioning(ws);
      removeWorkspace(ws);
      fs.rmSync(binDir, { recursive: true, force: true });
    });
    host = await startHost({ workspace, extensionVsix: vsix, name: 'e2e-first-hour', settings: SETTINGS, env: { PATH: `${bin}${path.delimiter}${process.env.PATH}` } });
    await host.openViewContainer('Baton');
    await poll('the plan in the Tasks view', async () => ((await host.treeRows('Tasks', { atLeast: 0, timeoutMs: 2000 })).some((r) => r.label === 'Contact message type') ? true : undefined));
  });

  after(async function () {
    await host?.stop();
    if (workspace) {
      killProcessesMentioning(workspace);
      removeWorkspace(workspace);
    }
    if (bin) fs.rmSync(bin, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await host?.screenshot(`e2e-failed-${this.currentTest.title}`).catch(() => undefined);
  });

  it('finds the agent on the PATH code-server was started with, and names its terminal "Baton: <id>" once, not "Baton: <id> - <id>"', async () => {
    await host.clickTreeRowAction('Tasks', 'Contact message type', 'Start Worker');
    await workerRow('Contact message type', 'Starting');
    const names = await poll('the worker\'s terminal', async () => {
      const all = await terminalNames();
      return all.some((n) => n.includes('Baton: api-schema')) ? all : undefined;
    });
    assert.ok(names.some((n) => /Baton: api-schema$/.test(n)), `terminal names: ${JSON.stringify(names)}`);
    assert.ok(!names.some((n) => /api-schema - api-schema/.test(n)), `terminal names: ${JSON.stringify(names)}`);
    await host.screenshot('first-hour-worker-terminal');
  });

  it('Stop Worker asks first while the worker is mid-turn; the stop raises no "terminal process terminated" toast', async () => {
    await host.clearNotifications();
    await host.clickTreeRowAction('Workers', 'Contact message type', 'Stop Worker');
    const dialog = host.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await dialog.innerText(), /Stop "api-schema" in the middle of its turn\?/);
    await host.screenshot('first-hour-stop-asks');
    await dialog.locator('.monaco-button', { hasText: /^Stop Worker$/ }).click();
    await workerRow('Contact message type', 'Cancelled');
    // VS Code's own toast comes within a moment of the process ending, if it comes at all.
    await new Promise((r) => setTimeout(r, 3000));
    const shown = await toasts();
    assert.ok(!shown.some((t) => /terminated with exit code/.test(t)), `toasts: ${JSON.stringify(shown)}`);
    await host.screenshot('first-hour-stopped-quietly');
  });

  it('Reveal Worktree shows the worktree in the Explorer (VS Code for the web has no file manager to open)', async () => {
    await host.clearNotifications();
    await host.runCommand('Baton: Reveal Worktree in File Explorer');
    await host.chooseQuickPickItem('Contact message type');
    const selected = host.page.locator('.explorer-folders-view .monaco-list-row.selected, .explorer-folders-view .monaco-list-row.focused');
    await poll('the worktree selected in the Explorer', async () => ((await selected.allInnerTexts()).some((t) => /(^|\/)\s*api-schema\s*$/.test(t.trim())) ? true : undefined), 15_000);
    const shown = await toasts();
    assert.ok(!shown.some((t) => /revealFileInOS|not found/.test(t)), `toasts: ${JSON.stringify(shown)}`);
    await host.screenshot('first-hour-reveal-worktree');
  });

  it('an agent that is not installed fails with one clear message and a button that opens its setting', async () => {
    await host.clearNotifications();
    await host.openViewContainer('Baton');
    await host.clickTreeRowAction('Tasks', 'Task for an agent that is not installed', 'Start Worker');
    const message = await host.waitForNotification(/was not found/);
    assert.match(message, /^Worker "no-agent" failed: "baton-agent-that-is-not-installed" was not found\. .*\(setting baton\.agents\)\. Its worktree and branch are kept\.$/);
    assert.ok(!/\.\./.test(message), 'no doubled full stop');
    const toast = host.page.locator('.notifications-toasts .notification-list-item', { hasText: 'was not found' }).first();
    await toast.locator('.monaco-button', { hasText: 'Open Setting' }).click();
    // baton.agents is a user-only setting (it says what runs on this machine): the User tab, also in
    // code-server's remote window.
    const editor = host.page.locator('.settings-editor');
    await editor.waitFor({ state: 'visible', timeout: 15_000 });
    await poll('the Agents setting in the Settings editor', async () => ((await editor.innerText()).includes('Agents') ? true : undefined), 15_000);
    const tab = await host.page.locator('.settings-editor .settings-tabs-widget .checked').first().innerText().catch(() => '');
    assert.match(tab, /User/);
    await host.screenshot('first-hour-agent-setting');
  });

  it('a task\'s worktree opened in its own window shows that task from the main repository, offers no Start, and makes no second .baton/', async () => {
    await host.stop(); // one window at a time on two cores
    const worktree = path.join(workspace, '.baton', 'worktrees', 'api-schema');
    assert.ok(fs.existsSync(path.join(worktree, '.git')), 'the worker made its worktree');
    const second = await startHost({ workspace: worktree, extensionVsix: packageBaton(), name: 'e2e-first-hour-worktree', settings: SETTINGS, env: { PATH: `${bin}${path.delimiter}${process.env.PATH}` } });
    try {
      await second.openViewContainer('Baton');
      const rows = await poll('the worktree\'s task in the Tasks view', async () => {
        const all = await second.treeRows('Tasks', { atLeast: 0, timeoutMs: 2000 });
        return all.length === 1 && all[0].label === 'Contact message type' ? all : undefined;
      });
      assert.equal(rows[0].icon, 'circle-slash', 'its state (cancelled) comes from the main repository');
      assert.ok(!rows[0].actions.includes('Start Worker'), `actions: ${JSON.stringify(rows[0].actions)}`);
      const message = await second.page.locator('.pane-body .message', { hasText: 'worktree of task' }).first().innerText();
      assert.match(message, /This window is the worktree of task "api-schema"\. Its state is read from /);
      await second.page.locator('.part.statusbar .statusbar-item', { hasText: 'Baton: api-schema · Cancelled' }).first().waitFor({ state: 'visible', timeout: 10_000 });
      const workers = await second.treeRows('Workers', { atLeast: 1 });
      assert.deepEqual(workers.map((r) => r.label), ['Contact message type']);
      await second.screenshot('first-hour-worktree-window');
      assert.ok(!fs.existsSync(path.join(worktree, '.baton')), 'no second .baton/ inside the worktree');
    } finally {
      await second.stop();
    }
  });
});
