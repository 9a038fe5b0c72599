// What a worker, a plan and a repository may make Baton do, checked as a person meets it in a real VS Code
// (code-server in Chromium) with workspace trust ON: the folder opens in Restricted Mode. The workers
// here are a stand-in agent profile (`sh -c 'sleep 60'`) and heartbeat files written as a worker would.
//
//   npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/safety.test.ts
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanUpOnExit, type Host, killProcessesMentioning, startHost } from '../host/harness';
import { packageBaton } from '../host/package-baton';
import { makeGitWorkspace, removeWorkspace } from '../host/workspace';
import { poll } from '../support/poll';
import { processStart } from '../../src/core/run/processTree';
import { pidAlive } from '../../src/core/run/workerState';

const PLAN = `version: 1
name: Safety
base: main
defaults:
  agent: sleeper
  heartbeatTimeout: 60s
  maxWorkers: 8
tasks:
  - id: alpha
    title: Alpha
  - id: beta
    title: Beta
  - id: gamma
    title: Gamma
`;

const SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'baton.agents': { sleeper: { command: 'sh', args: ['-c', 'sleep 60'], headlessArgs: ['-c', 'sleep 60'] } },
  'terminal.integrated.confirmOnExit': 'never',
  'terminal.integrated.confirmOnKill': 'never',
  // The half-typed plan must stay unsaved until the test saves it.
  'files.autoSave': 'off',
};

describe('Safety in VS Code: trust, worker text, stalled workers, auto-start', function () {
  this.timeout(120_000);
  let host: Host;
  let workspace: string;
  const sleepers: ChildProcess[] = [];
  const runDir = (id: string) => path.join(workspace, '.baton', 'runs', id);
  /** A process standing in for a worker's supervisor: the heartbeat names its pid. */
  const standIn = () => {
    const child = spawn('sleep', ['120'], { detached: true, stdio: 'ignore' });
    sleepers.push(child);
    return child.pid!;
  };
  const writeHeartbeat = (id: string, heartbeat: Record<string, unknown>) => {
    fs.mkdirSync(runDir(id), { recursive: true });
    const file = path.join(runDir(id), 'heartbeat.json');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ task_id: id, ...heartbeat }));
    fs.renameSync(`${file}.tmp`, file);
  };
  const workerRows = () => host.treeRows('Workers', { atLeast: 0, timeoutMs: 2000 });

  before(async function () {
    this.timeout(300_000);
    const vsix = packageBaton();
    workspace = makeGitWorkspace({ files: { 'baton.yaml': PLAN } });
    const ws = workspace;
    cleanUpOnExit(() => {
      killProcessesMentioning(ws);
      removeWorkspace(ws);
    });
    host = await startHost({ workspace, extensionVsix: vsix, name: 'e2e-safety', settings: SETTINGS, workspaceTrust: true });
    await host.openViewContainer('Baton');
    await poll('the plan in the Tasks view', async () => ((await host.treeRows('Tasks', { atLeast: 0, timeoutMs: 2000 })).some((r) => r.label === 'Gamma') ? true : undefined));
  });

  after(async () => {
    await host?.stop();
    for (const s of sleepers) if (s.pid && pidAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
    if (workspace) {
      killProcessesMentioning(workspace);
      removeWorkspace(workspace);
    }
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await host?.runCommand('Notifications: Show Notifications').catch(() => undefined);
      await host?.screenshot(`e2e-failed-${this.currentTest.title}`).catch(() => undefined);
    }
  });

  it('granting trust after opening starts following workers, and a link in a worker\'s reason is shown as text', async () => {
    // Restricted Mode: the Workers view says why it does nothing.
    await host.page.getByText('Workers run commands on this machine, so they need a trusted workspace.').waitFor({ timeout: 30_000 });
    await host.runCommand('Workspaces: Manage Workspace Trust');
    await host.page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first().click({ timeout: 20_000 });
    await host.page.getByText('Workers run commands on this machine, so they need a trusted workspace.').waitFor({ state: 'hidden', timeout: 20_000 });
    await host.runCommand('View: Close All Editors');

    // A worker reports it is blocked, with Markdown link syntax in its words.
    const now = new Date().toISOString();
    writeHeartbeat('alpha', { status: 'blocked', reason: 'Click [Continue](command:workbench.action.quit) to go on', pid: standIn(), started_at: now, updated_at: now });
    const text = await host.waitForNotification(/Worker "alpha" is blocked/, 20_000);
    assert.match(text, /Click \[Continue\] \(command:workbench\.action\.quit\) to go on/);
    const links = await host.page.locator('.notifications-toasts .notification-list-item-message a').count();
    assert.equal(links, 0, 'no link, so no button that runs a command');
    await host.screenshot('e2e-safety-link-as-text');
    await host.clearNotifications();
  });

  it('Stop reaches a stalled worker', async () => {
    // Stop signals only the supervisor Baton recorded (launch.json: its pid, start time and command line).
    const child = spawn('sh', ['-c', 'sleep 120; :', 'supervise', 'beta', '--root', fs.realpathSync(workspace)], { detached: true, stdio: 'ignore' });
    sleepers.push(child);
    const supervisor = child.pid!;
    const old = new Date(Date.now() - 5 * 60_000).toISOString();
    fs.mkdirSync(runDir('beta'), { recursive: true });
    fs.writeFileSync(path.join(runDir('beta'), 'launch.json'), JSON.stringify({ launch_id: 'x', at: old, pid: supervisor, pid_start: processStart(supervisor) }));
    writeHeartbeat('beta', { status: 'in_progress', activity: 'Bash npm test', pid: supervisor, started_at: old, updated_at: old });
    const row = await poll('Beta stalled in the Workers view', async () => (await workerRows()).find((r) => r.label === 'Beta' && r.description.startsWith('Stalled')));
    assert.ok(row.actions.includes('Stop Worker'), `actions on a stalled worker: ${row.actions.join(', ')}`);
    await host.clickTreeRowAction('Workers', 'Beta', 'Stop Worker');
    // A confirmation, where Baton asks for one.
    const confirm = host.page.locator('.monaco-dialog-box .dialog-buttons .monaco-button').first();
    if (await confirm.isVisible({ timeout: 1500 }).catch(() => false)) await confirm.click();
    await poll('the stalled supervisor to be stopped', async () => (pidAlive(supervisor) ? undefined : true), 20_000);
  });

  it('turning autoStart on starts ready work at once; then it starts only what the saved plan holds', async () => {
    // Gamma is ready. Turning the setting on, in the Settings editor, is the only change.
    await host.runCommand('Preferences: Open User Settings');
    await host.page.locator('.settings-editor .suggest-input-container textarea, .settings-editor .settings-header input').first().waitFor({ timeout: 20_000 });
    await host.page.keyboard.type('baton.autoStart');
    const box = host.page.locator('.settings-editor .setting-item-bool .setting-value-checkbox').first();
    await box.waitFor({ state: 'visible', timeout: 20_000 });
    await box.click();
    await new Promise((r) => setTimeout(r, 1000));
    await host.screenshot('e2e-safety-autostart-setting');
    await host.runCommand('View: Close All Editors');
    await poll('gamma started by auto-start', async () => (fs.existsSync(path.join(runDir('gamma'), 'heartbeat.json')) ? true : undefined), 30_000);

    // Type a new task into the plan, slowly (each pause is longer than Baton's re-read delay), unsaved.
    await host.runCommand('Go to File...');
    await host.page.keyboard.type('baton.yaml');
    await host.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'baton.yaml' }).first().click({ timeout: 20_000 });
    await host.page.locator('.tabs-container .tab.active', { hasText: 'baton.yaml' }).waitFor({ timeout: 20_000 });
    await host.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await host.page.keyboard.press('Control+End');
    // One line: with the closing brace the editor adds, each prefix of the id is a valid plan (`{… id: a}`).
    await host.page.keyboard.type('  - {title: Schema, ', { delay: 20 });
    await host.page.keyboard.type('id: api-sc', { delay: 400 });
    await host.page.keyboard.press('End');
    await new Promise((r) => setTimeout(r, 1500));
    const started = () => fs.readdirSync(path.join(workspace, '.baton', 'runs')).sort();
    assert.deepEqual(started(), ['alpha', 'beta', 'gamma'], 'no worker for a half-typed id');
    await host.screenshot('e2e-safety-half-typed');

    await host.page.keyboard.press('Control+S');
    await poll('api-sc started once the plan is saved', async () => (started().includes('api-sc') ? true : undefined), 30_000);
    assert.deepEqual(started(), ['alpha', 'api-sc', 'beta', 'gamma']);
  });
});
