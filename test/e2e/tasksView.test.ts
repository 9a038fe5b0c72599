// What a person sees: Baton in a real VS Code (code-server in Chromium, see test/host/harness.ts),
// driven through the UI. Screenshots land in test-results/.
//
//   npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/tasksView.test.ts
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Host, startHost } from '../host/harness';
import { packageBaton } from '../host/package-baton';
import { makeGitWorkspace, removeWorkspace } from '../host/workspace';
import { poll } from '../support/poll';

const BROKEN_PLAN = `version: 1
name: Broken
tasks:
  - id: a
    title: First task
  - id: b
    title: Second task
    deps: [a, nope]
`;

describe('Baton in VS Code, through the UI', function () {
  this.timeout(300_000);
  let host: Host;
  let workspace: string;

  /** The Tasks view's row labels, once `until` accepts them. */
  const tasksRows = (until: (labels: string[]) => boolean, what: string) =>
    poll(
      what,
      async () => {
        const labels = (await host.treeRows('Tasks')).map((row) => row.label);
        return until(labels) ? labels : undefined;
      },
      20_000,
      250,
    );
  const statusBarItem = (text: string) =>
    host.page.locator('.part.statusbar .statusbar-item', { hasText: text }).first().waitFor({ state: 'visible', timeout: 20_000 });

  before(async function () {
    const vsix = packageBaton();
    workspace = makeGitWorkspace();
    host = await startHost({ workspace, extensionVsix: vsix, name: 'e2e-tasks' });
  });

  after(async function () {
    await host?.stop();
    if (workspace) removeWorkspace(workspace);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await host?.screenshot(`e2e-failed-${this.currentTest.title}`).catch(() => undefined);
  });

  it('shows the plan in the Tasks view, grouped by stage, and a summary in the status bar', async () => {
    await host.waitForActivityBarItem('Baton', 30_000);
    await host.openViewContainer('Baton');
    const rows = await tasksRows((r) => r.includes('Stage 1 · 1 task'), 'the stages in the Tasks view');
    for (const row of ['Stage 2 · 2 tasks', 'Stage 4 · 1 task', 'Contact message type and validation', 'POST /api/contact endpoint', 'End-to-end test and review']) {
      assert.ok(rows.includes(row), `the Tasks view shows "${row}"; it shows ${JSON.stringify(rows)}`);
    }
    await statusBarItem('Baton: 6 tasks · 1 ready');
    await host.screenshot('e2e-tasks-by-stage');
  });

  it('groups the tasks by status, and back by stage', async () => {
    await host.runCommand('Baton: Group Tasks by Status');
    await tasksRows((r) => r.includes('Ready · 1 task') && r.includes('Blocked · 5 tasks'), 'the status groups');
    await host.screenshot('e2e-tasks-by-status');
    await host.runCommand('Baton: Group Tasks by Stage');
    await tasksRows((r) => r.includes('Stage 1 · 1 task'), 'the stage groups again');
  });

  it('puts a plan error in the Problems panel, atop the tree and in the status bar', async () => {
    fs.writeFileSync(path.join(workspace, 'baton.yaml'), BROKEN_PLAN);
    const row = await poll(
      'the unknown dependency in the Problems panel',
      async () => (await host.problems()).find((r) => r.text.includes('unknown-dependency')),
      20_000,
      250,
    );
    assert.match(row.text, /"nope"/);
    assert.match(row.text, /\[Ln 8, Col 15\]/);
    await host.openViewContainer('Baton');
    await tasksRows((r) => r.includes('1 problem in the plan') && r.includes('Second task'), 'the problem item and the tasks that could be read');
    await statusBarItem('Baton: 1 problem');
    await host.screenshot('e2e-plan-error');
  });

  it('offers Create Plan in a folder without a plan, and creates one', async () => {
    fs.rmSync(path.join(workspace, 'baton.yaml'));
    const button = host.page.locator('.part.sidebar .welcome-view-content a.monaco-button', { hasText: 'Create Plan' });
    await button.waitFor({ state: 'visible', timeout: 20_000 });
    await host.screenshot('e2e-no-plan');
    await button.click();
    await tasksRows((r) => r.includes('Stage 1 · 1 task'), 'the new plan in the Tasks view');
    assert.equal(
      fs.readFileSync(path.join(workspace, 'baton.yaml'), 'utf8'),
      fs.readFileSync(path.join(__dirname, '..', '..', 'resources', 'sample-plan.yaml'), 'utf8'),
    );
  });
});
