// Start Team in a real VS Code (code-server in Chromium), with the REAL Claude Code CLI against the
// scripted model, in a folder with no plan yet: the person starts a team from the palette with a goal; the
// manager drafts baton.yaml in the planning task's worktree and the architect finishes it; the Tasks view
// (and the graph) show the proposal, said to be one; the person approves it from the palette, and the
// plan's tasks are in the tree, ready or waiting for their dependencies.
//
//   flock /tmp/baton-host.lock npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/teamStart.test.ts
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Host, startHost } from '../host/harness';
import { packageBaton } from '../host/package-baton';
import { type ClaudeWorkspace, makeClaudeWorkspace } from '../support/claudeWorkspace';
import { poll } from '../support/poll';
import { type ScriptedModel, textOf, turn } from '../support/scriptedModel';

const SETTINGS = {
  'baton.claude.trustWorktrees': 'always',
  'terminal.integrated.confirmOnExit': 'never',
  'terminal.integrated.confirmOnKill': 'never',
};

const GOAL = 'A contact form that emails the team';

const DRAFT = `version: 1
name: Contact form
base: main
tasks:
  - id: form
    title: The form
    description: Build the contact form.
    files: [src/form.ts]
    estimate: 2h
  - id: mail
    title: Send the mail
    description: Email what the form sends.
    deps: [form]
    estimate: 1h
`;
const FINISHED = DRAFT.replace('    deps: [form]\n', '    deps: [form]\n    files: [src/mail.ts]\n');

describe('Start Team in VS Code, with the real Claude Code CLI', function () {
  this.timeout(240_000);
  let host: Host;
  let team: ClaudeWorkspace;
  let workspace: string;
  let model: ScriptedModel;
  const wt = () => path.join(workspace, '.baton', 'worktrees', 'team-plan');
  const rows = () => host.treeRows('Tasks', { atLeast: 0, timeoutMs: 2000 });
  const row = async (label: string) => (await rows()).find((r) => r.label === label);

  before(async function () {
    this.timeout(300_000);
    const vsix = packageBaton();
    // The first hour: a repository with a commit and no plan.
    team = await makeClaudeWorkspace({ files: { 'README.md': '# Team start\n' } });
    ({ workspace, model } = team);
    host = await startHost({ workspace, extensionVsix: vsix, name: 'e2e-team-start', env: team.env, settings: SETTINGS });
    await host.openViewContainer('Baton');
  });

  after(async function () {
    await host?.stop();
    await team?.dispose();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await host?.screenshot('e2e-team-start-failed').catch(() => undefined);
      for (const f of ['events.jsonl', 'heartbeat.json', 'output.log']) {
        const file = path.join(workspace, '.baton/runs/team-plan', f);
        if (fs.existsSync(file)) console.log(`--- ${f}\n${fs.readFileSync(file, 'utf8').slice(-6000)}`);
      }
    }
  });

  it('Start Team with a goal: the manager drafts, the architect finishes, the tree shows the proposal; approving it makes its tasks the plan', async () => {
    // The manager is held after its first check, so the draft can be seen while it is being written.
    let release: () => void = () => undefined;
    const released = new Promise<void>((done) => (release = done));
    model.script('## Your role: manager', [
      turn.write(path.join(wt(), 'baton.yaml'), DRAFT),
      turn.bash('baton validate baton.yaml', 'Check the plan'),
      turn.after(released, turn.bash('git add baton.yaml && git commit -m "Draft the plan"', 'Commit the draft')),
      turn.text('Drafted two tasks.'),
    ]);
    model.script('## Your role: architect', [
      turn.write(path.join(wt(), 'baton.yaml'), FINISHED),
      turn.bash('baton analyze baton.yaml', 'Check conflicts'),
      turn.bash('git add baton.yaml && git commit -m "Name the files of mail"', 'Commit'),
      turn.text('The plan is ready for review.'),
    ]);

    // The palette, as a person would: the command asks for the goal.
    await host.runCommand('Baton: Start Team');
    const input = host.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(GOAL);
    await input.press('Enter');

    const title = `Plan: ${GOAL}`;
    await poll('the planning task in the Tasks view', async () => ((await row(title)) ? true : undefined), 30_000);
    // Live: the manager's draft shows while its worker is still at work, before anything is committed.
    const live = await poll(
      'the draft in the Tasks view while the manager works',
      async () => {
        const all = await rows();
        return all.some((r) => r.label === 'Proposed plan · 2 tasks') && all.some((r) => r.label === 'Send the mail') ? all : undefined;
      },
      90_000,
    );
    assert.equal(live.find((r) => r.label === title)?.icon, 'sync', 'the planning task is running');
    assert.match((await host.page.locator('.part.sidebar').innerText()).replace(/\s+/g, ' '), /the manager drafts it, then the architect finishes it/);
    assert.equal(model.turnsOf('## Your role: architect').length, 0, 'the architect waits for the draft');
    await host.screenshot('team-start-live');
    release();
    // The proposal shows as it is written, labelled as such.
    const proposal = await poll(
      'the finished proposal in the Tasks view',
      async () => {
        const all = await rows();
        const mail = all.find((r) => r.label === 'Send the mail');
        return all.some((r) => r.label === 'Proposed plan · 2 tasks') && mail && model.turnsOf('## Your role: architect').length >= 4 ? all : undefined;
      },
      120_000,
    );
    assert.match(proposal.find((r) => r.label === 'Proposed plan · 2 tasks')!.description, /not approved yet/);
    assert.match(proposal.find((r) => r.label === 'The form')!.description, /^form · 2h · proposed$/);
    await poll('the planning task in review', async () => ((await row(title))?.icon === 'eye' ? true : undefined), 60_000);
    const sidebar = await host.page.locator('.part.sidebar').innerText();
    assert.match(sidebar.replace(/\s+/g, ' '), /A team is writing the plan for "A contact form that emails the team"/, 'the view says what it shows');

    // Both roles worked on one branch, the manager first; its validate ran without asking.
    const manager = model.turnsOf('## Your role: manager');
    assert.match(manager.map((r) => (r.body?.messages ?? []).map((m) => textOf(m.content)).join('\n')).join('\n'), /baton\.yaml: valid, 2 tasks/);
    const log = execFileSync('git', ['log', '--format=%s', 'main..HEAD'], { cwd: wt(), encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(log, ['Name the files of mail', 'Draft the plan']);
    assert.ok(!fs.existsSync(path.join(workspace, 'baton.yaml')), 'nothing lands in the folder before approval');
    await host.screenshot('team-start-proposal');

    await host.runCommand('Baton: Show Graph');
    // code-server nests a webview's document in two iframes.
    const frame = host.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await poll('the proposal in the graph', async () => ((await frame.locator('#banner').innerText({ timeout: 2000 }).catch(() => '')).includes('Proposed by the team') ? true : undefined), 30_000);
    assert.deepEqual(await frame.locator('#nodes .node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))), ['form', 'mail'], 'the graph draws the proposed tasks');
    await host.screenshot('team-start-graph');
    await host.runCommand('View: Close All Editors');

    await host.page.locator('.part.editor').click({ position: { x: 40, y: 40 } });
    await host.runCommand('Baton: Approve Task');
    await host.chooseQuickPickItem(title);
    await poll('the plan on main, its tasks in the tree', async () => {
      const all = await rows();
      const form = all.find((r) => r.label === 'The form');
      const mail = all.find((r) => r.label === 'Send the mail');
      return form?.icon === 'play-circle' && mail?.icon === 'lock' && !all.some((r) => r.label.startsWith('Proposed plan')) ? true : undefined;
    }, 60_000);
    assert.equal(fs.readFileSync(path.join(workspace, 'baton.yaml'), 'utf8'), FINISHED);
    assert.match(execFileSync('git', ['log', '-1', '--format=%s', 'main'], { cwd: workspace, encoding: 'utf8' }), /^Merge baton task team-plan: Plan: A contact form/);
    assert.ok(!(await row(title)), 'the planning task is gone from the tree with its plan merged');
    await host.screenshot('team-start-approved');
  });
});
