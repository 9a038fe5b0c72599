// Baton inside a real VS Code: code-server opened in Chromium (see harness.ts).
// Run with `npm run test:host`. Two kinds of test share one started host:
//  - UI checks through Playwright (below, "UI"): what a person sees and clicks;
//  - the in-host mocha suite, test/host/suite/**/*.test.ts, run by the test-runner extension inside
//    the real extension host; each of its tests is reported here as a test of its own.
// Mocha runs this file with --delay: the host is started (and the in-host suite has run) before the
// tests are declared, so that the in-host tests can be listed one by one.
// BATON_HOST_GREP=text runs only the in-host tests whose full title contains it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanUpOnExit, type Host, startHost } from './harness';
import { buildInHostSuite, type InHostResults, inHostEnv, waitForInHostResults } from './in-host';
import { packageBaton } from './package-baton';
import { writeRunFixture } from './runFixture';
import { makeGitWorkspace, removeWorkspace } from './workspace';
import { poll } from '../support/poll';

interface Setup {
  host?: Host;
  workspace?: string;
  inHost?: InHostResults;
  error?: Error;
  timings: Record<string, number>;
}

async function setUp(): Promise<Setup> {
  const setup: Setup = { timings: {} };
  const step = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      setup.timings[name] = Date.now() - t0;
    }
  };
  try {
    const vsix = await step('package Baton', () => packageBaton());
    const suite = await step('build in-host suite', () => buildInHostSuite());
    const workspace = (setup.workspace = makeGitWorkspace());
    const results = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-host-results-')), 'results.json');
    cleanUpOnExit(() => {
      removeWorkspace(workspace);
      fs.rmSync(path.dirname(results), { recursive: true, force: true });
    });
    setup.host = await step('start host', () =>
      startHost({
        workspace: setup.workspace!,
        extensionVsix: [vsix, suite.runnerVsix],
        env: inHostEnv(suite, results, { grep: process.env.BATON_HOST_GREP }),
        name: 'host-test',
      }),
    );
    setup.inHost = await step('in-host suite', () => waitForInHostResults(results));
  } catch (err) {
    setup.error = err as Error;
  }
  return setup;
}

/** Waits for text in any frame (a Markdown preview is a webview: frames inside frames); returns that frame's text. */
async function previewText(host: Host, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  let frames: string[] = [];
  while (Date.now() < deadline) {
    frames = host.page.frames().map((f) => f.url().slice(0, 120));
    for (const frame of host.page.frames()) {
      const text = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
      // The workbench's own text (status bar, tree) says "7 tasks" too: only the preview starts with the heading.
      if (!/^\s*Plan analysis/.test(text)) continue;
      if (pattern.test(text)) return text;
      seen = text;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no frame shows ${pattern} after ${timeoutMs} ms; the analysis preview showed:\n${seen.slice(0, 800) || '(no analysis preview; frames: ' + frames.join(', ') + ')'}`);
}

void setUp().then((setup) => {
  describe('Baton in a real VS Code (code-server)', function () {
    this.timeout(60_000);

    before(function () {
      const t = Object.entries(setup.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`);
      if (t.length) console.log(`      setup: ${t.join(', ')}`);
    });

    after(async function () {
      await setup.host?.stop();
      if (setup.workspace) removeWorkspace(setup.workspace);
    });

    if (setup.error) {
      it('starts: packages Baton, starts code-server and opens the workbench', function () {
        throw setup.error;
      });
      return;
    }
    const host = setup.host!;

    describe('UI', function () {
      before(async function () {
        // The in-host suite ran first in this window: start from a quiet screen.
        await host.clearNotifications();
      });

      afterEach(async function () {
        if (this.currentTest?.state === 'failed') {
          const file = await host.screenshot(`failed-${this.currentTest.title}`).catch(() => undefined);
          if (file) console.log(`      screenshot: ${path.relative(process.cwd(), file)}`);
        }
      });

      it('shows the Baton view container in the Activity Bar', async function () {
        await host.waitForActivityBarItem('Baton', 30_000);
        await host.openViewContainer('Baton');
        await host.screenshot('baton-view-container');
      });

      it('shows its commands in the palette by their titles from package.nls.json, not as %keys%', async function () {
        const input = host.page.locator('.quick-input-widget .quick-input-box input');
        await host.page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        await input.fill('>Baton: ');
        const rows = host.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
        await rows.first().waitFor({ state: 'visible', timeout: 10_000 });
        const labels = await rows.evaluateAll((els) => els.map((el) => (el.querySelector('.label-name')?.textContent ?? '').replace(/\s+/g, ' ').trim()));
        await host.screenshot('palette-localized-titles');
        await host.page.keyboard.press('Escape');
        assert.ok(labels.includes('Baton: Show Plan Analysis') && labels.includes('Baton: Check Setup'), JSON.stringify(labels));
        assert.deepEqual(labels.filter((l) => /%/.test(l)), [], 'no title is a localization key');
      });

      it('Check Setup shows each check as a page, and offers the fixes Baton can make', async function () {
        await host.runCommand('Baton: Check Setup');
        // The page is a Markdown preview: a webview, i.e. an iframe holding the page's own iframe.
        const preview = host.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
        await preview.locator('td', { hasText: 'Hooks reach Baton' }).first().waitFor({ state: 'visible', timeout: 30_000 });
        assert.match(await preview.locator('body').innerText(), /Claude Code trust[\s\S]*What to do/);
        // Checking again refreshes the page in place and shows the notification anew (the first may have
        // timed out while the page loaded).
        await host.clearNotifications();
        await host.runCommand('Baton: Check Setup');
        await host.waitForNotification(/^Baton: .*(A worker can start here|stops? workers from starting)/);
        await host.screenshot('check-setup');
        // A fix Baton can make asks first, saying exactly what it changes; cancelling changes nothing.
        const trust = host.page.locator('.notifications-toasts .monaco-button', { hasText: 'Trust Repository for Claude Code' });
        // (This fresh workspace is not trusted by Claude Code, so the fix is offered.)
        await trust.first().click();
        const dialog = host.page.locator('.monaco-dialog-box');
        await dialog.waitFor({ state: 'visible', timeout: 10_000 });
        assert.match(await dialog.innerText(), /Record in Claude Code's config \(.*\.claude\.json\) that you trust /);
        await host.screenshot('check-setup-trust-consent');
        await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
        await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
        await host.clearNotifications();
      });

      it('a worker request shows under Requests and is approved from the Workers view', async function () {
        const dir = path.join(host.workspace, '.baton', 'requests', 'engineer-request-ui-docs');
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'request.json'), JSON.stringify({ from: 'ui-form', at: new Date().toISOString() }));
        fs.writeFileSync(path.join(dir, 'instructions.md'), 'Document the contact form\n\nUsers ask how to embed it.\n');
        const plan = path.join(host.workspace, 'baton.yaml');
        const before = fs.readFileSync(plan, 'utf8');
        try {
          await host.openViewContainer('Baton');
          const rows = await host.treeRows('Workers', { atLeast: 2, timeoutMs: 20_000 });
          const row = rows.find((r) => r.label === 'Document the contact form');
          assert.ok(row, `the request is listed: ${rows.map((r) => r.label).join(', ')}`);
          assert.match(row.description, /engineer · from ui-form/);
          assert.deepEqual(row.actions, ['Approve Request', 'Edit Request First', 'Decline Request']);
          await host.screenshot('requests-view');
          await host.clickTreeRowAction('Workers', 'Document the contact form', 'Approve Request');
          await host.waitForNotification('Approved engineer-request-ui-docs');
          const after = fs.readFileSync(plan, 'utf8');
          assert.ok(after.startsWith(before) && /- id: ui-docs/.test(after.slice(before.length)), 'the task was added, the plan kept');
          await host.screenshot('requests-approved');
        } finally {
          fs.writeFileSync(plan, before);
          fs.rmSync(path.join(host.workspace, '.baton', 'requests'), { recursive: true, force: true });
          await host.clearNotifications().catch(() => undefined);
        }
      });

      it('Show Run Report opens the report with its table and timeline image', async function () {
        const cleanUp = writeRunFixture(host.workspace);
        try {
          await host.runCommand('Baton: Show Run Report');
          const preview = host.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
          await preview.locator('td', { hasText: 'api-schema' }).first().waitFor({ state: 'visible', timeout: 30_000 });
          assert.match(await preview.locator('body').innerText(), /Run Report: Contact form[\s\S]*Timeline of workers/);
          const image = preview.locator('img[src*="timeline.svg"]');
          await image.waitFor({ state: 'visible', timeout: 10_000 });
          assert.ok(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the timeline image loads');
          await image.scrollIntoViewIfNeeded();
          await host.screenshot('run-report');
        } finally {
          await host.runCommand('View: Close All Editors').catch(() => undefined);
          cleanUp();
        }
      });

      it('a worker whose agent was not found offers Check Setup', async function () {
        // What a supervisor records when its agent's command is missing (supervisor.ts).
        const run = path.join(host.workspace, '.baton', 'runs', 'no-agent');
        fs.mkdirSync(run, { recursive: true });
        const reason = '"claude" was not found. Install it, or choose another agent profile (setting baton.agents).';
        fs.writeFileSync(path.join(run, 'heartbeat.json'), JSON.stringify({ task_id: 'no-agent', status: 'failed', reason, exit_code: 127, updated_at: new Date().toISOString() }));
        try {
          await host.waitForNotification('Worker "no-agent" failed: "claude" was not found');
          await host.page.locator('.notifications-toasts .monaco-button', { hasText: 'Check Setup' }).first().click();
          await host.waitForNotification(/^Baton: .*(A worker can start here|stops? workers from starting)/);
        } finally {
          fs.rmSync(run, { recursive: true, force: true });
          await host.clearNotifications().catch(() => undefined);
          // Check Setup opened its page: leave a quiet screen for the next test.
          await host.runCommand('View: Close All Editors').catch(() => undefined);
        }
      });

      it('shows file conflicts as warnings in the Problems panel and on the tasks in the tree', async function () {
        const plan = path.join(host.workspace, 'baton.yaml');
        const sample = fs.readFileSync(plan, 'utf8');
        fs.writeFileSync(
          plan,
          'version: 1\nname: Shared database\ntasks:\n' +
            '  - id: api\n    title: API endpoint\n    files: [src/api/**, src/shared/db.ts]\n    estimate: 2h\n' +
            '  - id: ui\n    title: Contact form\n    files: [src/ui/**, src/shared/db.ts]\n    estimate: 3h\n',
        );
        try {
          await host.openViewContainer('Baton');
          await host.treeRows('Tasks', { atLeast: 3 });
          const deadline = Date.now() + 20_000;
          let rows = await host.problems();
          // (The in-host suite checks the severity; here, what the panel shows.)
          while (!rows.some((r) => /"ui" may touch src\/shared\/db\.ts at the same time as "api"/.test(r.text)) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 300));
            rows = await host.problems();
          }
          assert.ok(
            rows.some((r) => /"ui" may touch src\/shared\/db\.ts at the same time as "api"/.test(r.text)),
            `the Problems panel shows the conflict (rows: ${JSON.stringify(rows.map((r) => r.text))})`,
          );
          await host.screenshot('conflict-problems');
        } finally {
          fs.writeFileSync(plan, sample);
        }
      });

      it('Add Task asks for the description the worker is told, and writes the file\'s own style', async function () {
        const input = host.page.locator('.quick-input-widget .quick-input-box input');
        const answer = async (title: RegExp, text: string) => {
          await host.page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 10_000 });
          await input.fill(text);
          if (text.startsWith('Document')) await host.screenshot('add-task-description');
          await host.page.keyboard.press('Enter');
        };
        // Answers every prompt; throws at the first one that does not show.
        const addThroughPrompts = async () => {
          await host.runCommand('Baton: Add Task');
          await answer(/Add Task \(1\/6\)/, 'docs');
          await answer(/Add Task \(2\/6\)/, 'Write the docs');
          await answer(/Add Task \(3\/6\)/, 'Document the contact form for visitors.');
          await host.page.locator('.quick-input-widget .quick-input-title', { hasText: /4\/6/ }).waitFor({ state: 'visible', timeout: 10_000 });
          // Typed while the widget switches from the input box to this pick, the filter can be applied to an
          // empty list; type it again until the row shows.
          const row = host.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'e2e-review' }).first();
          for (let attempt = 1; ; attempt++) {
            await input.fill('e2e-review');
            try {
              await row.waitFor({ state: 'visible', timeout: 5_000 });
              break;
            } catch (err) {
              if (attempt === 3) throw err;
              await input.fill('');
            }
          }
          await row.click(); // ticks it
          await host.page.keyboard.press('Enter');
          await answer(/Add Task \(5\/6\)/, 'README.md');
          await answer(/Add Task \(6\/6\)/, '1h');
        };
        const editor = host.page.locator('.monaco-editor .view-lines').first();
        try {
          // Six prompts in a row are six chances for a late window event (a page that finishes opening, a
          // notification) to land mid-way under automation: a prompt that never showed is tried once more
          // from the start, saying why. Nothing was written then: the task is added only after the last answer.
          try {
            await addThroughPrompts();
          } catch (err) {
            console.log(`      (Add Task prompts tried again: ${(err as Error).message.split('\n')[0]})`);
            await host.screenshot('add-task-first-attempt-failed').catch(() => undefined);
            await host.page.keyboard.press('Escape');
            await addThroughPrompts();
          }
          await editor.filter({ hasText: 'Document the contact form for visitors.' }).waitFor({ state: 'visible', timeout: 10_000 });
          const text = await editor.innerText();
          assert.match(text.replace(/\u00a0/g, ' '), /description: \|-?\s+Document the contact form for visitors\.\s+deps: \[e2e-review\]/);
          await host.screenshot('add-task-added');
        } catch (err) {
          // Before the clean-up below changes the screen.
          await host.screenshot('failed-add-task-before-cleanup').catch(() => undefined);
          throw err;
        } finally {
          // Put the plan back: the task was added to the open document, unsaved. A clean-up step that fails
          // must not hide why the test failed.
          await host.page.keyboard.press('Escape').catch(() => undefined);
          if (await editor.isVisible().catch(() => false)) {
            await editor.click({ timeout: 5_000 }).catch(() => undefined);
            await host.runCommand('File: Revert File').catch(() => undefined);
          }
          await host.runCommand('View: Close All Editors').catch(() => undefined);
        }
      });

      it('a typo in a dependency: the task needs a fix in the plan (no Start), and the light bulb offers "Did you mean"', async function () {
        const planFile = path.join(host.workspace, 'baton.yaml');
        const original = fs.readFileSync(planFile, 'utf8');
        try {
          fs.writeFileSync(planFile, original.replace('deps: [api-endpoint, ui-form]', 'deps: [api-endpoint, ui-from]'));
          await host.openViewContainer('Baton');
          const row = await poll('the task with the typo to need a fix', async () => {
            const rows = await host.treeRows('Tasks', { atLeast: 1, timeoutMs: 2000 });
            return rows.find((r) => r.label === 'Send the form to the API' && r.description.startsWith('Needs a fix in the plan'));
          });
          assert.equal(row.icon, 'error');
          assert.ok(!row.actions.includes('Start Worker'));
          await host.screenshot('task-needs-fix');
          // In the plan, on the typo: Ctrl+. lists the quick fixes.
          await host.page.locator('.pane-body .monaco-list-row', { hasText: 'Send the form to the API' }).first().click();
          const editor = host.page.locator('.monaco-editor .view-lines').first();
          await editor.filter({ hasText: 'ui-from' }).waitFor({ state: 'visible', timeout: 10_000 });
          await host.page.locator('.monaco-editor .view-line span', { hasText: 'ui-from' }).first().click();
          await host.page.keyboard.press('Control+.');
          const fix = host.page.locator('.action-widget .action-label, .action-widget .monaco-list-row', { hasText: 'Did you mean "ui-form"?' }).first();
          await fix.waitFor({ state: 'visible', timeout: 10_000 });
          await host.screenshot('quick-fix-did-you-mean');
          await host.page.keyboard.press('Enter'); // the preferred fix is the focused one
          await editor.filter({ hasText: 'deps: [api-endpoint, ui-form]' }).waitFor({ state: 'visible', timeout: 10_000 });
        } finally {
          // A clean-up step that fails must not hide why the test failed.
          await host.page.keyboard.press('Escape').catch(() => undefined);
          fs.writeFileSync(planFile, original);
          await host.page.locator('.monaco-editor .view-lines').first().click({ timeout: 5_000 }).catch(() => undefined);
          await host.runCommand('File: Revert File').catch(() => undefined);
          await host.runCommand('View: Close All Editors').catch(() => undefined);
        }
      });

      it('Start Ready Tasks with nothing ready says which task waits for review', async function () {
        // What a worker leaves when it finishes with commits: its heartbeat says done.
        const run = path.join(host.workspace, '.baton', 'runs', 'api-schema');
        fs.mkdirSync(run, { recursive: true });
        fs.writeFileSync(path.join(run, 'heartbeat.json'), JSON.stringify({ task_id: 'api-schema', status: 'done', exit_code: 0, updated_at: new Date().toISOString() }));
        try {
          await host.openViewContainer('Baton');
          await poll('api-schema in review', async () => ((await host.treeRows('Workers', { atLeast: 0, timeoutMs: 2000 })).some((r) => r.description.startsWith('Review')) ? true : undefined));
          await host.clearNotifications();
          await host.runCommand('Baton: Start Ready Tasks');
          const message = await host.waitForNotification(/No task is ready/);
          assert.equal(message, 'No task is ready: "api-schema" waits for your review. The tasks that depend on them start once they are approved.');
          await host.screenshot('start-ready-waits-for-review');
        } finally {
          fs.rmSync(run, { recursive: true, force: true });
          await host.clearNotifications().catch(() => undefined);
        }
      });

      it('Show Plan Analysis follows the plan as it changes, with a simulation section', async function () {
        const planFile = path.join(host.workspace, 'baton.yaml');
        const original = fs.readFileSync(planFile, 'utf8');
        try {
          this.timeout(120_000);
          await host.runCommand('Baton: Show Plan Analysis');
          // Earlier tests in this window may have left tasks in the plan: count from what it shows now.
          // The first Markdown preview in a window waits for the Markdown extension to start, which on a
          // busy machine has taken longer than 20 s: allow for it.
          const first = await previewText(host, /· \d+ tasks ·[\s\S]*With \d+ workers?: [\d.]+h; lower bound/, 60_000);
          assert.match(first, /Stage by stage/);
          const tasks = Number(/· (\d+) tasks ·/.exec(first)![1]);
          fs.writeFileSync(planFile, `${original.trimEnd()}\n\n  - id: docs-${Date.now()}\n    title: Write the docs\n    estimate: 1h\n`);
          await previewText(host, new RegExp(`· ${tasks + 1} tasks ·`));
          await host.screenshot('plan-analysis-follows-plan');
          // Closed and shown again: still the plan as it is now.
          await host.runCommand('View: Close All Editors');
          fs.writeFileSync(planFile, original);
          await host.runCommand('Baton: Show Plan Analysis');
          await previewText(host, new RegExp(`· ${tasks} tasks ·`));
        } finally {
          fs.writeFileSync(planFile, original);
          await host.runCommand('View: Close All Editors').catch(() => undefined);
        }
      });
    });

    describe('extension host (in-host mocha suite)', function () {
      const inHost = setup.inHost!;
      if (inHost.error) {
        it('runs the in-host suite', function () {
          throw new Error(`the in-host runner failed:\n${inHost.error}`);
        });
      }
      if (inHost.tests.length === 0 && !inHost.error) {
        it('runs at least one in-host test', function () {
          throw new Error('the in-host suite ran no test');
        });
      }
      for (const t of inHost.tests) {
        if (t.state === 'pending') {
          // Mirrors a test that is pending inside the extension host; its reason is written beside its own
          // skip there. None is pending today.
          it.skip(`${t.fullTitle} (pending in the extension host)`);
          continue;
        }
        it(t.fullTitle, function () {
          if (t.state === 'failed') {
            const err = new Error(t.error?.message ?? 'failed');
            if (t.error?.stack) err.stack = `${t.error.stack}\n    (inside the extension host)`;
            throw err;
          }
        });
      }
    });
  });
  run();
});
