// Request Changes reaching a worker, in a real VS Code (code-server in Chromium) with the REAL Claude Code
// CLI talking to the scripted model: typed into the terminal of a worker at its prompt, and, once the
// worker has been stopped, a worker started on the same worktree resuming the same conversation; then
// from a comment on a line of the review diff; and Approve Task from the review diff's title bar.
//
//   flock /tmp/baton-host.lock npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/requestChanges.test.ts
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Host, startHost } from '../host/harness';
import { packageBaton } from '../host/package-baton';
import { CLAUDE_TEAM_PLAN } from '../support/plans';
import { type ClaudeWorkspace, makeClaudeWorkspace } from '../support/claudeWorkspace';
import { poll } from '../support/poll';
import { type ScriptedModel, textOf, turn } from '../support/scriptedModel';

const SETTINGS = {
  'baton.claude.trustWorktrees': 'always',
  'terminal.integrated.confirmOnExit': 'never',
  'terminal.integrated.confirmOnKill': 'never',
};

describe('Request Changes in VS Code, with the real Claude Code CLI', function () {
  this.timeout(120_000);
  let host: Host;
  let workspace: string;
  let model: ScriptedModel;
  let setup: ClaudeWorkspace | undefined;
  const wt = () => path.join(workspace, '.baton', 'worktrees', 'alpha');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: wt(), encoding: 'utf8' }).trim();
  const events = () => fs.readFileSync(path.join(workspace, '.baton/runs/alpha/events.jsonl'), 'utf8');
  const workerState = (state: string, timeoutMs = 60_000) =>
    poll(
      `the alpha worker as ${state}`,
      async () => {
        const row = (await host.treeRows('Workers', { atLeast: 0, timeoutMs: 2000 })).find((r) => r.label === 'Alpha feature');
        return row?.description.split(' · ')[0] === state ? row : undefined;
      },
      timeoutMs,
    );
  const requestChanges = async (feedback: string) => {
    // Out of the terminal first: a terminal whose process just ended may keep the keyboard (and F1).
    await host.page.locator('.part.editor').click({ position: { x: 40, y: 40 } });
    await host.runCommand('Baton: Request Changes');
    await host.chooseQuickPickItem('Alpha feature');
    const input = host.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(feedback);
    await input.press('Enter');
  };
  const marker = '# Task alpha: Alpha feature';
  const script = () => [
    turn.write(path.join(wt(), 'alpha.txt'), 'alpha\n'),
    turn.bash('git add alpha.txt && git commit -m "Add alpha.txt"', 'Commit the work'),
    turn.bash('baton report done "Wrote alpha.txt" --not-done "No tests"', 'Hand over'),
    turn.text('Done: alpha.txt is committed.'),
    // After the first Request Changes (typed into its session):
    turn.write(path.join(wt(), 'alpha-test.txt'), 'test\n'),
    turn.bash('git add alpha-test.txt && git commit -m "Add alpha-test.txt"', 'Commit the change'),
    turn.text('Added the test file.'),
    // After the second (a new worker resuming the conversation):
    turn.write(path.join(wt(), 'NOTES.md'), 'notes\n'),
    turn.bash('git add NOTES.md && git commit -m "Add NOTES.md"', 'Commit the notes'),
    turn.text('Added the notes.'),
    // After the change requested by a comment on a line of the review diff:
    turn.write(path.join(wt(), 'alpha.txt'), 'alpha, reviewed\n'),
    turn.bash('git commit -am "Reword alpha.txt as the reviewer asked"', 'Commit the change'),
    turn.text('Reworded alpha.txt.'),
  ];
  const turnRequest = (n: number) => poll(`the worker's turn ${n}`, async () => model.turnsOf(marker).find((r) => r.turn === n), 60_000);

  before(async function () {
    this.timeout(300_000);
    const vsix = packageBaton();
    setup = await makeClaudeWorkspace({ files: { 'baton.yaml': CLAUDE_TEAM_PLAN, 'README.md': '# Claude team\n' } });
    ({ workspace, model } = setup);
    host = await startHost({ workspace, extensionVsix: vsix, name: 'e2e-request-changes', env: setup.env, settings: SETTINGS });
    await host.openViewContainer('Baton');
    await poll('the plan in the Tasks view', async () => ((await host.treeRows('Tasks', { atLeast: 0, timeoutMs: 2000 })).some((r) => r.label === 'Alpha feature') ? true : undefined));
  });

  after(async function () {
    await host?.stop();
    await setup?.dispose();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await host?.screenshot(`e2e-failed-${this.currentTest.title}`).catch(() => undefined);
  });

  it('types the feedback into the terminal of a worker at its prompt; it makes the change and is back in review', async () => {
    model.script(marker, script());
    await host.runCommand('Baton: Start Worker');
    await host.chooseQuickPickItem('Alpha feature');
    await workerState('Review');
    const result = JSON.parse(fs.readFileSync(path.join(workspace, '.baton/runs/alpha/result.json'), 'utf8'));
    assert.equal(result.summary, 'Wrote alpha.txt');

    await requestChanges('Add a test file as well.');
    const request = await turnRequest(4);
    assert.match(textOf(request.body!.messages!.at(-1)!.content), /The reviewer asks for changes: Add a test file as well\./);
    await poll('the change committed', async () => (git('log', '-1', '--format=%s') === 'Add alpha-test.txt' ? true : undefined), 60_000);
    await workerState('Review');
    assert.match(events(), /"type":"changes-requested"[^\n]*"via":"terminal"/);
    await host.screenshot('e2e-request-changes-typed');
  });

  it('after the worker has exited, starts one on the same worktree that resumes the conversation', async () => {
    // The worker's process ends (as when its terminal is closed): recorded as stopped.
    const { pid } = JSON.parse(fs.readFileSync(path.join(workspace, '.baton/runs/alpha/heartbeat.json'), 'utf8'));
    process.kill(pid, 'SIGTERM');
    await workerState('Cancelled', 30_000);
    // Baton's own notice of the stop may hold the focus: close what is shown. (The terminal itself ends
    // with exit 0 once the supervisor has recorded the stop, so VS Code adds no toast of its own.)
    await host.clearNotifications();
    await requestChanges('Write NOTES.md too.');
    const request = await turnRequest(7);
    const messages = request.body!.messages!;
    assert.ok(messages.some((m) => m.role === 'assistant' && textOf(m.content).includes('Added the test file.')), 'the resumed request holds the earlier conversation');
    assert.match(textOf(messages.at(-1)!.content), /The reviewer asks for changes: Write NOTES\.md too\./);
    await poll('the notes committed', async () => (git('log', '-1', '--format=%s') === 'Add NOTES.md' ? true : undefined), 60_000);
    await workerState('Review');
    assert.match(events(), /"type":"changes-requested"[^\n]*"via":"resume"/);
    assert.match(events(), /"type":"prepare"[^\n]*"resume":"[0-9a-f-]{36}"/);
    assert.equal(git('rev-parse', '--abbrev-ref', 'HEAD'), 'baton/alpha', 'the same worktree and branch');
    await host.screenshot('e2e-request-changes-resumed');
  });

  it('a comment on a line of the review diff is sent as a change request with its file and line; Approve Task in the diff\'s title bar merges the result', async () => {
    await host.clearNotifications();
    await host.page.locator('.part.editor').click({ position: { x: 40, y: 40 } });
    await host.runCommand('Baton: Review Task');
    await host.chooseQuickPickItem('Alpha feature');
    const diff = host.page.locator('.multiDiffEditor');
    await diff.waitFor({ state: 'visible', timeout: 20_000 });
    // The summary opens beside the diff a moment later and takes the focus: let it, before commenting.
    await host.page.locator('.tabs-container .tab', { hasText: 'Review alpha.md' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await host.page.waitForTimeout(1000);
    // The right side of alpha.txt's diff is the worktree file: comment on its first line as a person would,
    // with the "+" that VS Code shows beside a line that can take a comment when the mouse is over it.
    const line = diff.locator('.editor.modified .view-line', { hasText: /^alpha$/ }).first();
    await line.waitFor({ state: 'visible', timeout: 20_000 });
    await line.hover();
    const box = (await line.boundingBox())!;
    // The "+" sits in the gutter just left of the line's text; find it by what lies there.
    const plus = await poll('the "+" beside the line', () =>
      host.page.evaluate(({ x, y }) => {
        for (let dx = 1; dx < 80; dx++) {
          const el = document.elementFromPoint(x - dx, y);
          if (el && /comment-range-glyph|comment-diff-added/.test(String(el.className))) {
            const r = el.getBoundingClientRect();
            return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
          }
        }
        return undefined;
      }, { x: box.x, y: box.y + box.height / 2 }), 10_000);
    await host.page.mouse.click(plus.x, plus.y);
    const widget = host.page.locator('.review-widget').last();
    await widget.waitFor({ state: 'visible', timeout: 10_000 });
    const comment = 'Say "alpha, reviewed" here.';
    await widget.locator('.comment-form .monaco-editor').first().click();
    await host.page.keyboard.type(comment, { delay: 30 });
    // On a busy machine the comment box can lag behind the keys: send once it shows the whole text.
    await poll('the comment typed', async () => ((await widget.locator('.view-lines').first().textContent())?.replace(/\u00a0/g, ' ').includes(comment) ? true : undefined), 15_000);
    await host.screenshot('e2e-request-changes-comment-typed');
    await widget.getByRole('button', { name: 'Request Changes' }).click();

    const request = await turnRequest(10);
    assert.match(textOf(request.body!.messages!.at(-1)!.content), /The reviewer asks for changes: alpha\.txt:1: Say "alpha, reviewed" here\./);
    await poll('the comment marked as sent', async () => ((await widget.textContent())?.includes('sent to the worker') ? true : undefined), 10_000);
    await host.screenshot('e2e-request-changes-from-comment');
    assert.match(events(), /"type":"changes-requested"[^\n]*"feedback":"alpha\.txt:1: Say \\"alpha, reviewed\\" here\."[^\n]*"via":"terminal"/);
    await poll('the change committed', async () => (git('show', 'HEAD:alpha.txt') === 'alpha, reviewed' ? true : undefined), 60_000);
    await workerState('Review');

    // The sent comment is listed in the Comments panel (VS Code opened it with the first comment).
    const inCommentsPanel = () => host.page.locator('.part.panel').getByText(comment).count();
    await poll('the sent comment in the Comments panel', async () => ((await inCommentsPanel()) > 0 ? true : undefined), 10_000, 250);

    // Approve from the review diff's title bar (its own group, beside the summary).
    await host.clearNotifications();
    await host.page.locator('.part.editor').click({ position: { x: 40, y: 40 } });
    await host.runCommand('Baton: Review Task');
    await host.chooseQuickPickItem('Alpha feature');
    // The summary opens beside the diff a moment later and takes the focus: then come back to the diff.
    await host.page.locator('.tabs-container .tab', { hasText: 'Review alpha.md' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await host.page.waitForTimeout(1000);
    const group = host.page.locator('.editor-group-container', { has: host.page.locator('.tabs-container .tab', { hasText: 'Review: Alpha feature' }) }).first();
    await group.locator('.tabs-container .tab', { hasText: 'Review: Alpha feature' }).first().click();
    const approve = group.locator('.editor-actions .action-item a[aria-label^="Approve Task"]');
    await approve.waitFor({ state: 'visible', timeout: 10_000 });
    await host.screenshot('e2e-approve-from-diff-title');
    await approve.click();
    const main = (...args: string[]) => execFileSync('git', args, { cwd: workspace, encoding: 'utf8' }).trim();
    await poll('alpha merged into main', async () => (main('log', '-1', '--format=%s', 'main').startsWith('Merge baton task alpha') ? true : undefined), 60_000);
    assert.equal(main('show', 'main:alpha.txt'), 'alpha, reviewed');
    await poll('alpha approved in the Tasks view', async () => ((await host.treeRows('Tasks', { atLeast: 0, timeoutMs: 2000 })).find((r) => r.label === 'Alpha feature')?.icon === 'pass-filled' ? true : undefined), 30_000);
    // Its worktree is gone once merged: the review that showed it closes.
    const left = await poll('the review diff and summary to close', async () => {
      const all = await host.tabLabels();
      return all.some((t) => t.includes('Review: Alpha feature') || t.includes('Review alpha.md')) ? undefined : all;
    }, 20_000, 250);
    assert.ok(!left.some((t) => t.includes('Review')), `no review tabs left: ${JSON.stringify(left)}`);
    // So does the comment it sent: it pointed at a file of that worktree.
    await poll('the sent comment gone from the Comments panel', async () => ((await inCommentsPanel()) === 0 ? true : undefined), 20_000, 250);
    await host.screenshot('e2e-approved-from-diff-title');
  });
});
