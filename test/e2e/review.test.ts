// Reviewing a worker's result in a real VS Code (code-server in Chromium): Review Task opens the
// multi-file diff editor against the merge-base and the review summary; Run Gates marks the task; the
// worker's row says whether its work merges into main; Discard Task says what is lost, asks, and removes
// the worktree and branch.
//
//   flock /tmp/baton-host.lock npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/review.test.ts
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureWorktree } from '../../src/core/git/worktrees';
import { writeHeartbeat } from '../../src/core/run/heartbeat';
import { BatonLayout } from '../../src/core/run/layout';
import { updateResult } from '../../src/core/run/result';
import { type Host, startHost, type TreeRow } from '../host/harness';
import { packageBaton } from '../host/package-baton';
import { makeGitWorkspace, removeWorkspace } from '../host/workspace';
import { poll } from '../support/poll';

const PLAN = `version: 1
name: Review demo
base: main
tasks:
  - id: form
    title: Contact form
    files: ["src/form/**"]
    gates: ["test -f src/form/form.ts"]
  - id: page
    title: Contact page
    deps: [form]
`;

/** The state a finished worker leaves: a commit on its branch, an uncommitted file, its summary, a `done` heartbeat. */
async function finishedWorker(workspace: string): Promise<string> {
  const layout = new BatonLayout(workspace);
  layout.ensureRunDir('form');
  const wt = layout.worktree('form');
  await ensureWorktree(workspace, 'form', 'main', wt);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: wt, stdio: 'pipe' });
  fs.mkdirSync(path.join(wt, 'src/form'), { recursive: true });
  fs.writeFileSync(path.join(wt, 'src/form/form.ts'), 'export function submit(name: string, email: string) {\n  return { name, email };\n}\n');
  fs.writeFileSync(path.join(wt, 'src/styles.css'), 'body { margin: 0; }\nform { display: grid; }\n');
  git('add', '--all');
  git('commit', '--quiet', '-m', 'Add the contact form');
  fs.writeFileSync(path.join(wt, 'src/form/form.test.ts'), "import { submit } from './form';\n");
  const now = new Date().toISOString();
  writeHeartbeat(layout.heartbeat('form'), { task_id: 'form', status: 'done', updated_at: now, started_at: now, exit_code: 0, activity: 'Finished its turn' });
  await updateResult(layout, 'form', { status: 'done', summary: 'Added the contact form and its submit function.', not_done: 'No server-side validation yet.' });
  return wt;
}

describe('Review Task in VS Code', function () {
  this.timeout(300_000);
  let host: Host;
  let workspace: string;
  let worktree: string;

  /** The task's row in the Tasks view once `until` holds for it (the view may still be drawing a change). */
  const taskRow = (label: string, until: (row: TreeRow) => boolean, what: string, timeoutMs = 20_000) =>
    poll(
      what,
      async () => {
        const row = (await host.treeRows('Tasks')).find((r) => r.label === label);
        return row && until(row) ? row : undefined;
      },
      timeoutMs,
      250,
    );

  before(async function () {
    const vsix = packageBaton();
    workspace = makeGitWorkspace({ files: { 'baton.yaml': PLAN, 'src/styles.css': 'body { margin: 0; }\n', 'README.md': '# Demo\n' } });
    worktree = await finishedWorker(workspace);
    host = await startHost({ workspace, extensionVsix: vsix, name: 'e2e-review' });
  });

  after(async function () {
    await host?.stop();
    if (workspace) removeWorkspace(workspace);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await host?.screenshot(`e2e-failed-${this.currentTest.title}`).catch(() => undefined);
  });

  it('opens the changes in the multi-file diff editor, with the review summary beside them', async () => {
    await host.waitForActivityBarItem('Baton', 30_000);
    await host.openViewContainer('Baton');
    const row = await taskRow('Contact form', (r) => r.icon === 'eye', 'the task in the Tasks view, in review', 30_000);
    assert.equal(row.icon, 'eye', 'the task shows as in review');
    await host.runCommand('Baton: Review Task');
    assert.deepEqual(await host.quickPickItems(), ['Contact form'], 'only the task in review is offered');
    await host.chooseQuickPickItem('Contact form');

    const editor = host.page.locator('.multiDiffEditor, .multi-diff-editor').first();
    await editor.waitFor({ state: 'visible', timeout: 30_000 });
    const shown = await poll(
      'the three changed files in the multi-file diff editor',
      async () => {
        const text = await editor.innerText();
        return ['form.ts', 'form.test.ts', 'styles.css'].every((f) => text.includes(f)) ? text : undefined;
      },
      20_000,
      250,
    );
    assert.match(shown, /submit/, 'the diff shows the new code');
    const tabs = await poll(
      'the review and its summary in tabs',
      async () => {
        const all = await host.tabLabels();
        return all.some((t) => t.includes('Review: Contact form (3 files)')) && all.some((t) => t.includes('Review form.md')) ? all : undefined;
      },
      20_000,
      250,
    ).catch(async (e) => {
      throw new Error(`${(e as Error).message}; tabs: ${JSON.stringify(await host.tabLabels())}`);
    });
    assert.ok(tabs.length >= 2);
    // The summary preview renders in a webview; wait for its frame's text.
    const summary = await poll(
      'the review summary',
      async () => {
        for (const frame of host.page.frames()) {
          const text = await frame.locator('body').innerText({ timeout: 500 }).catch(() => '');
          if (text.includes('What the worker says')) return text;
        }
        return undefined;
      },
      20_000,
      500,
    );
    for (const part of ['Added the contact form and its submit function.', 'No server-side validation yet.', 'Outside the task', 'styles.css', 'Uncommitted in the worktree', 'Add the contact form', 'Merges cleanly into main']) {
      assert.ok(summary.includes(part), `the summary shows "${part}":\n${summary}`);
    }
    await host.screenshot('e2e-review-task');
    const events = fs.readFileSync(path.join(workspace, '.baton/runs/form/events.jsonl'), 'utf8');
    assert.match(events, /"type":"review-opened"/);
  });

  it('runs the gates and marks the task with the result', async () => {
    await host.runCommand('Baton: Run Gates');
    await host.chooseQuickPickItem('Contact form');
    const row = await taskRow('Contact form', (r) => r.description.includes('gates ✓'), 'the gate mark on the task');
    assert.match(row.description, /form · gates ✓/);
    await host.screenshot('e2e-review-gates');
  });

  it('says on the worker whether its work merges into main, and warns of a conflict before Approve', async () => {
    const workerRow = (until: (description: string) => boolean, what: string) =>
      poll(
        what,
        async () => {
          const row = (await host.treeRows('Workers', { atLeast: 1, timeoutMs: 2000 })).find((r) => r.label === 'Contact form');
          return row && until(row.description) ? row : undefined;
        },
        45_000,
        250,
      );
    // The review opened above previewed the merge onto main as it is.
    const clean = await workerRow((d) => d.includes('merges cleanly'), 'the worker row to say the work merges cleanly');
    assert.match(clean.description, /^Review · (.+ · )?merges cleanly/);
    // Someone changes the same lines on main, outside Baton: the row says so by itself, before Approve.
    fs.writeFileSync(path.join(workspace, 'src/styles.css'), 'body { margin: 8px; }\n');
    execFileSync('git', ['commit', '--quiet', '-am', 'Change the margin on main'], { cwd: workspace });
    const warned = await workerRow((d) => d.includes('conflicts with main'), 'the worker row to warn of the conflict');
    assert.match(warned.description, /^Review · ⚠ conflicts with main/);
    // The open review summary follows, naming the file.
    const conflictInSummary = () =>
      poll(
        'the review summary to name the conflicting file',
        async () => {
          for (const frame of host.page.frames()) {
            const text = await frame.locator('body').innerText({ timeout: 500 }).catch(() => '');
            if (text.includes('Conflicts with main')) return text;
          }
          return undefined;
        },
        45_000,
        500,
      );
    const summary = await conflictInSummary();
    assert.match(summary, /Conflicts with main \([0-9a-f]{7}\) in src\/styles\.css\. Approving stops at this conflict/);
    // Opened again, the review replaces itself in place: one diff, one summary.
    const opened = () => (fs.readFileSync(path.join(workspace, '.baton/runs/form/events.jsonl'), 'utf8').match(/"type":"review-opened"/g) ?? []).length;
    const before = opened();
    await host.runCommand('Baton: Review Task');
    await host.chooseQuickPickItem('Contact form');
    await poll('the review to open again', () => opened() > before || undefined, 45_000, 250);
    // Then the editors it opens: the same tabs on two reads in a row.
    let last = '';
    const tabs = await poll(
      'the review editors to settle',
      async () => {
        const all = await host.tabLabels();
        const same = JSON.stringify(all) === last;
        last = JSON.stringify(all);
        return same && all.some((t) => t.startsWith('Preview Review form.md')) ? all : undefined;
      },
      45_000,
      750,
    );
    assert.equal(tabs.filter((t) => t.includes('Review: Contact form')).length, 1, `one review diff: ${JSON.stringify(tabs)}`);
    assert.equal(tabs.filter((t) => t.startsWith('Preview Review form.md')).length, 1, `one review summary: ${JSON.stringify(tabs)}`);
    await conflictInSummary();
    await host.screenshot('e2e-review-merge-conflict');
  });

  it('discards the task after saying exactly what is lost, and closes its review', async () => {
    // The review the tests before opened is still there.
    await host.page.locator('.tabs-container .tab', { hasText: 'Review: Contact form' }).first().waitFor({ state: 'attached', timeout: 10_000 });
    await host.runCommand('Baton: Discard Task...');
    await host.chooseQuickPickItem('Contact form');
    const dialog = host.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    const text = await dialog.innerText();
    assert.match(text, /Discard "form"\?/);
    assert.match(text, /1 commit not on the base \([0-9a-f]{7} Add the contact form\)/);
    assert.match(text, /1 uncommitted file \(src\/form\/form\.test\.ts\)/);
    await host.screenshot('e2e-review-discard');
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: /^Discard$/ }).click();
    const branches = () => execFileSync('git', ['branch', '--list', 'baton/form'], { cwd: workspace, encoding: 'utf8' }).trim();
    await poll('the worktree and branch to be removed', () => (!fs.existsSync(worktree) && branches() === '') || undefined, 20_000, 250);
    // (The view may still be drawing the change: wait for the state, not the first row.)
    const row = await taskRow('Contact form', (r) => r.icon === 'circle-slash', 'the task shown as cancelled after discarding', 30_000);
    assert.equal(row.icon, 'circle-slash');
    // Its review showed files that are gone: the diff and the summary close with it.
    const left = await poll(
      'the review diff and summary to close',
      async () => {
        const all = await host.tabLabels();
        return all.some((t) => t.includes('Review: Contact form') || t.includes('Review form.md')) ? undefined : all;
      },
      10_000,
      250,
    );
    assert.ok(!left.some((t) => t.includes('Review')), `no review tabs left: ${JSON.stringify(left)}`);
  });
});
