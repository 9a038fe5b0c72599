// The Graph panel in a real VS Code (code-server in Chromium, see test/host/harness.ts), driven as a
// person would: open it (Tasks view, status bar menu), click a box, watch a worker's heartbeat recolour a
// box, edit the plan (saved, and typed without saving), reload the window, switch themes. Screenshots land in test-results/graph-*.png.
//
//   flock /tmp/baton-host.lock npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/graph.test.ts
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { type Host, startHost } from '../host/harness';
import { packageBaton } from '../host/package-baton';
import { makeGitWorkspace, removeWorkspace } from '../host/workspace';
import { poll } from '../support/poll';

const NEW_TASK = `
  - id: docs-page
    title: Document the contact form
    deps: [ui-submit]
    files: ["docs/contact.md"]
    estimate: 1h
`;

/** A plan of `n` tasks in ten stages, each task after one of the stage before. */
function largePlan(n: number): string {
  const lines = ['version: 1', 'name: Large plan', 'base: main', 'tasks:'];
  const perStage = Math.ceil(n / 10);
  for (let i = 0; i < n; i++) {
    const id = `t${String(i).padStart(4, '0')}`;
    const dep = i >= perStage ? `t${String(i - perStage).padStart(4, '0')}` : undefined;
    lines.push(`  - id: ${id}`, `    title: Task ${i}`, `    estimate: 1h`, ...(dep ? [`    deps: [${dep}]`] : []));
  }
  return `${lines.join('\n')}\n`;
}

describe('Graph panel, through the UI', function () {
  this.timeout(300_000);
  let host: Host;
  let workspace: string;

  /** The panel's page: code-server nests a webview's document in two iframes. */
  const graph = (): FrameLocator => host.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const boxes = () => graph().locator('#nodes .node');
  /** Every box's id, class and position, as the panel draws them. */
  const snapshot = () =>
    boxes().evaluateAll((els) =>
      els.map((el) => ({ id: el.getAttribute('data-id')!, cls: el.getAttribute('class')!, at: el.getAttribute('transform')!, label: el.getAttribute('aria-label')! })),
    );
  const boxCount = (n: number, what: string) => poll(what, async () => ((await boxes().count()) === n ? true : undefined), 30_000, 250);
  const selectedTreeRow = () =>
    host.page.locator('.part.sidebar .pane', { has: host.page.locator('.pane-header h3.title', { hasText: /^\s*Tasks\s*$/i }) }).locator('.monaco-list-row.selected').first();
  /** Search the graph for a task (Enter selects and reveals it), then clear the search. */
  const findInGraph = async (id: string) => {
    const search = graph().locator('#search');
    await search.fill(id);
    await search.press('Enter');
    await poll(`${id} selected`, async () => ((await graph().locator('#nodes .node.selected').getAttribute('data-id', { timeout: 1000 })) === id ? true : undefined), 10_000);
    await search.fill('');
  };
  const setTheme = async (theme: string, bodyClass: string) => {
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'workbench.colorTheme': theme }));
    await poll(`the panel in the ${theme} theme`, async () => ((await graph().locator('body').getAttribute('class'))?.split(' ').includes(bodyClass) ? true : undefined), 15_000);
    await host.page.waitForTimeout(500);
  };

  before(async function () {
    const vsix = packageBaton();
    workspace = makeGitWorkspace();
    // code-server saves edits by itself after a moment; the unsaved-edit test needs them to stay unsaved.
    host = await startHost({ workspace, extensionVsix: vsix, name: 'e2e-graph', viewport: { width: 1500, height: 900 }, settings: { 'files.autoSave': 'off' } });
    await host.waitForActivityBarItem('Baton', 30_000);
    await host.openViewContainer('Baton');
    await host.treeRows('Tasks', { atLeast: 4 });
  });

  after(async function () {
    await host?.stop();
    if (workspace) removeWorkspace(workspace);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await host?.screenshot(`graph-failed-${this.currentTest.title}`).catch(() => undefined);
  });

  it('opens from the Tasks view: a box per task, arrows, stages, the critical path', async () => {
    // The Tasks view's title button (shown while the pointer is over the view).
    const tasksPane = host.page.locator('.part.sidebar .pane', { has: host.page.locator('.pane-header h3.title', { hasText: /^\s*Tasks\s*$/i }) });
    await tasksPane.locator('.pane-header').hover();
    await tasksPane.locator('.pane-header .action-label[aria-label="Show Graph"]').click({ timeout: 10_000 });
    await boxCount(6, 'six boxes');
    const boxesNow = await snapshot();
    assert.deepEqual(boxesNow.map((b) => b.id), ['api-schema', 'api-endpoint', 'ui-form', 'email-notify', 'ui-submit', 'e2e-review']);
    assert.match(boxesNow[0].cls, /s-ready/);
    assert.match(boxesNow[2].cls, /s-blocked/);
    assert.match(boxesNow[0].label, /^Contact message type and validation, api-schema, Ready, stage 1/);
    assert.ok((await graph().locator('#edges .edge').count()) >= 6, 'arrows for the dependencies');
    assert.ok((await graph().locator('#edges .edge.critical').count()) >= 2, 'the critical path is highlighted');
    assert.deepEqual(await graph().locator('#columns .column').allTextContents(), ['Stage 1', 'Stage 2', 'Stage 3', 'Stage 4']);
  });

  it("opens from the status bar item's menu", async () => {
    await host.runCommand('View: Close All Editors');
    await boxCount(0, 'the graph closed');
    await host.page.locator('.part.statusbar .statusbar-item', { hasText: 'Baton: 6 tasks · 1 ready' }).first().click();
    assert.deepEqual(await host.quickPickItems(), ['Show Tasks', 'Show Graph', 'Start Ready Tasks']);
    await host.screenshot('graph-status-bar-menu');
    await host.chooseQuickPickItem('Show Graph');
    await boxCount(6, 'six boxes again');
  });

  it("offers the tree's actions in a box's context menu, only where the tree would", async () => {
    const menuItems = async (id: string) => {
      await graph().locator(`#nodes .node[data-id="${id}"]`).click({ button: 'right' });
      const items = await graph().locator('#menu:not([hidden]) button').allTextContents();
      await host.page.keyboard.press('Escape');
      return items;
    };
    assert.deepEqual(await menuItems('api-schema'), ['Open Task in Plan', 'Start Worker']);
    assert.deepEqual(await menuItems('ui-form'), ['Open Task in Plan']);
  });

  it('moves along dependencies with the arrow keys', async () => {
    await graph().locator('#nodes .node[data-id="api-schema"]').click();
    await host.page.keyboard.press('ArrowRight');
    const next = await graph().locator('#nodes .node.selected').getAttribute('data-id');
    assert.ok(next === 'ui-form' || next === 'api-endpoint', `ArrowRight went to a dependent, not ${next}`);
    await host.page.keyboard.press('ArrowLeft');
    await host.page.waitForTimeout(500); // the tree follows; the graph must keep the newest selection
    assert.equal(await graph().locator('#nodes .node.selected').getAttribute('data-id'), 'api-schema');
  });

  it('selects a clicked task in the Tasks tree', async () => {
    await graph().locator('#nodes .node[data-id="ui-form"]').click();
    await poll('the tree to select the task', async () => ((await selectedTreeRow().getAttribute('aria-label'))?.includes('Contact form component') ? true : undefined), 10_000);
    assert.match((await graph().locator('#nodes .node[data-id="ui-form"]').getAttribute('class'))!, /selected/);
  });

  it('selects the task chosen in the Tasks tree', async () => {
    const tasksPane = host.page.locator('.part.sidebar .pane', { has: host.page.locator('.pane-header h3.title', { hasText: /^\s*Tasks\s*$/i }) });
    await tasksPane.locator('.monaco-list-row', { hasText: 'POST /api/contact endpoint' }).click();
    await poll('the graph to select the task', async () => ((await graph().locator('#nodes .node.selected').getAttribute('data-id', { timeout: 1000 })) === 'api-endpoint' ? true : undefined), 10_000);
    await graph().locator('#nodes .node[data-id="ui-form"]').click();
  });

  it("recolours a box when its worker's heartbeat changes, moving no box", async () => {
    const before = await snapshot();
    const dir = path.join(workspace, '.baton', 'runs', 'api-schema');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'heartbeat.json'),
      JSON.stringify({ task_id: 'api-schema', status: 'waiting_input', activity: 'Waiting: may I edit schema.ts?', updated_at: new Date().toISOString() }),
    );
    const after = await poll(
      'the box to show the worker waiting',
      async () => {
        const now = await snapshot();
        return /s-waiting_input/.test(now[0].cls) ? now : undefined;
      },
      20_000,
    );
    assert.deepEqual(after.map((b) => b.at), before.map((b) => b.at), 'no box moved');
    const colour = await graph().locator('#nodes .node[data-id="api-schema"] .bar').evaluate((el) => getComputedStyle(el).fill);
    const blocked = await graph().locator('#nodes .node[data-id="ui-form"] .bar').evaluate((el) => getComputedStyle(el).fill);
    assert.notEqual(colour, blocked, 'the waiting box has its own colour');
    assert.match(after[0].label, /Waiting for you/);
    await host.screenshot('graph-heartbeat');
  });

  it('adds a box when the plan gets a task, keeping the others in view', async () => {
    const plan = path.join(workspace, 'baton.yaml');
    const selected = graph().locator('#nodes .node.selected');
    const before = await selected.boundingBox();
    fs.appendFileSync(plan, NEW_TASK);
    await boxCount(7, 'a seventh box');
    const after = await selected.boundingBox();
    assert.ok(before && after, 'a task stays selected');
    assert.ok(Math.abs(before.x - after.x) < 1 && Math.abs(before.y - after.y) < 1, `the selected box stayed where it was on screen: ${JSON.stringify([before, after])}`);
    const boxesNow = await snapshot();
    assert.equal(boxesNow[6].id, 'docs-page');
    assert.match(boxesNow[6].label, /Document the contact form, docs-page, Blocked, stage 4/);
    assert.deepEqual(await graph().locator('#columns .column').allTextContents(), ['Stage 1', 'Stage 2', 'Stage 3', 'Stage 4']);
  });

  it('lays out again on an unsaved edit of the plan, and again on undo', async () => {
    // Double-click opens the plan at the task, beside the graph: both stay in view.
    await graph().locator('#nodes .node[data-id="ui-form"]').dblclick();
    const editor = host.page.locator('.editor-group-container .monaco-editor[data-uri$="baton.yaml"]');
    const planTab = host.page.locator('.tabs-container .tab', { hasText: 'baton.yaml' });
    const dirty = async () => /\bdirty\b/.test((await planTab.getAttribute('class')) ?? '');
    await editor.locator('.view-lines').click({ timeout: 15_000 });
    try {
      // Typed key by key at the end of the plan: one line (the editor indents new lines by itself), whose
      // closing brackets overtype the ones the editor adds.
      await host.page.keyboard.press('Control+End');
      await host.page.keyboard.type('  - { id: docs-faq, title: Contact FAQ, deps: [docs-page], estimate: 1h }', { delay: 20 });
      // The graph follows the typing (a half-typed line can already be a task); wait for the whole line.
      await poll('a box for the typed task, after its dependency', async () =>
        (await snapshot()).some((b) => b.id === 'docs-faq' && /^Contact FAQ, docs-faq, Blocked, stage 5/.test(b.label)) ? true : undefined,
      );
      assert.equal(await boxes().count(), 8);
      assert.deepEqual(await graph().locator('#columns .column').allTextContents(), ['Stage 1', 'Stage 2', 'Stage 3', 'Stage 4', 'Stage 5']);
      assert.ok(await dirty(), 'the plan is not saved');
      assert.doesNotMatch(fs.readFileSync(path.join(workspace, 'baton.yaml'), 'utf8'), /docs-faq/);
      // The picture: the typed line in view, and the new box found by the graph's search.
      await host.page.keyboard.press('Home');
      await findInGraph('docs-faq');
      await host.screenshot('graph-unsaved-edit');
      // Undo until the plan is as saved (typing may take more than one undo step).
      await editor.locator('.view-lines').click();
      for (let i = 0; i < 80 && (await dirty()); i++) await host.page.keyboard.press('Control+Z');
      assert.equal(await dirty(), false, 'undo brought the plan back to its saved text');
      await boxCount(7, 'the typed task gone after undo');
      assert.equal((await snapshot()).some((b) => b.id === 'docs-faq'), false);
      assert.deepEqual(await graph().locator('#columns .column').allTextContents(), ['Stage 1', 'Stage 2', 'Stage 3', 'Stage 4']);
      // The tests after this one expect ui-form selected, as it was.
      await findInGraph('ui-form');
      await host.screenshot('graph-unsaved-edit-undone');
    } finally {
      // Leave the plan as saved, and the graph alone in view, for the tests after this one. A clean-up step
      // that fails must not hide why the test failed.
      if (await editor.isVisible().catch(() => false)) {
        await editor.locator('.view-lines').click({ timeout: 5_000 }).catch(() => undefined);
        if (await dirty().catch(() => false)) await host.runCommand('File: Revert File').catch(() => undefined);
        await host.runCommand('View: Close Editor').catch(() => undefined);
      }
    }
  });

  it('comes back after a window reload, with its boxes and its selection', async () => {
    await host.runCommand('Developer: Reload Window');
    await host.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await boxCount(7, 'the panel restored with seven boxes');
    await poll('the selection restored', async () => ((await graph().locator('#nodes .node.selected').getAttribute('data-id', { timeout: 1000 })) === 'ui-form' ? true : undefined), 20_000);
    await host.screenshot('graph-after-reload');
  });

  it('shows a plan with problems as far as it can, with the problems listed', async () => {
    const plan = path.join(workspace, 'baton.yaml');
    const good = fs.readFileSync(plan, 'utf8');
    fs.appendFileSync(plan, '\n  - id: stray\n    title: Depends on nothing real\n    deps: [nope]\n');
    try {
      await boxCount(8, 'the stray task drawn too');
      const problems = await poll('the problems listed', async () => {
        const rows = await graph().locator('#problems:not([hidden]) li').allTextContents();
        return rows.length > 0 ? rows : undefined;
      });
      assert.ok(problems.some((p) => /depends on "nope".*unknown-dependency/.test(p)), JSON.stringify(problems));
      await host.screenshot('graph-problems');
    } finally {
      fs.writeFileSync(plan, good);
    }
    await boxCount(7, 'the plan back to seven tasks');
    assert.equal(await graph().locator('#problems').isHidden(), true);
  });

  it('draws a plan of a thousand tasks readable at its first stage, with only the boxes near the view in the page; search reveals one far away', async () => {
    const plan = path.join(workspace, 'baton.yaml');
    const good = fs.readFileSync(plan, 'utf8');
    fs.writeFileSync(plan, largePlan(1000));
    try {
      await poll('the panel to say 1000 tasks', async () => ((await graph().locator('#summary').textContent())?.startsWith('1000 tasks') ? true : undefined), 30_000, 250);
      // It starts readable at its first stage; boxes far from the view are not in the page.
      const inPage = await poll('the boxes near the view in the page', async () => {
        const n = await boxes().count();
        return n > 0 && n < 1000 ? n : undefined;
      }, 10_000, 250);
      // What is in view is drawn.
      const stage = await graph().locator('#stage').boundingBox();
      const inView = await boxes().evaluateAll((els) => {
        const s = document.getElementById('stage')!.getBoundingClientRect();
        return els.map((el) => el.getBoundingClientRect()).filter((r) => r.right > s.left && r.left < s.right && r.bottom > s.top && r.top < s.bottom).length;
      });
      assert.ok(inView > 0, `boxes drawn in view: ${inView} of ${inPage} in the page`);
      // A task far away, found by the search: its box comes back into the page, selected and in view.
      const far = graph().locator('#nodes .node[data-id="t0999"]');
      assert.equal(await far.count(), 0, 'the last task, far from the view, is not in the page');
      await findInGraph('t0999');
      const at = await far.boundingBox();
      assert.ok(stage && at && at.x >= stage.x && at.y >= stage.y && at.x + at.width <= stage.x + stage.width + 1 && at.y + at.height <= stage.y + stage.height + 1, `t0999 in view: ${JSON.stringify([at, stage])}`);
      await host.screenshot('graph-thousand-tasks');
    } finally {
      fs.writeFileSync(plan, good);
    }
    await boxCount(7, 'the plan back to seven tasks');
  });

  it('is readable in dark, light and high-contrast themes', async () => {
    // The graph alone, fitted: what the screenshots should show.
    await graph().locator('#nodes .node[data-id="ui-form"]').click();
    await host.runCommand('View: Close Editors in Other Groups');
    await graph().locator('#fit').click();
    for (const [theme, bodyClass, file] of [
      ['Default Dark Modern', 'vscode-dark', 'graph-dark'],
      ['Default Light Modern', 'vscode-light', 'graph-light'],
      ['Default High Contrast', 'vscode-high-contrast', 'graph-high-contrast'],
      ['Default High Contrast Light', 'vscode-high-contrast-light', 'graph-high-contrast-light'],
    ]) {
      await setTheme(theme, bodyClass);
      const text = await graph().locator('#nodes .node[data-id="api-endpoint"] .title').evaluate((el) => getComputedStyle(el).fill);
      const background = await graph().locator('body').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.notEqual(text, background, `${theme}: titles differ from the background`);
      await host.screenshot(file);
    }
    fs.rmSync(path.join(workspace, '.vscode'), { recursive: true, force: true });
  });
});
