// The Tasks view's content, read through the same TreeDataProvider the view draws.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { TasksNode } from '../../../src/extension/tasksTree';
import { PHASES_PLAN, batonApi, folderUri, resetWorkspace, usePlanFile, waitFor, writeText } from './testWorkspace';

async function rows(nodes: readonly TasksNode[]): Promise<vscode.TreeItem[]> {
  const { tasksTree } = await batonApi();
  return Promise.all(nodes.map((n) => tasksTree.getTreeItem(n)));
}

async function children(node?: TasksNode): Promise<TasksNode[]> {
  const { tasksTree } = await batonApi();
  return (await tasksTree.getChildren(node)) ?? [];
}

describe('Tasks view', () => {
  before(resetWorkspace);
  afterEach(() => vscode.commands.executeCommand('baton.groupByStage'));
  after(resetWorkspace);

  it('groups tasks by stage, each task with its status icon, id and estimate', async () => {
    const stages = await children();
    assert.deepEqual(
      (await rows(stages)).map((r) => r.label),
      ['Stage 1 · 1 task', 'Stage 2 · 2 tasks', 'Stage 3 · 2 tasks', 'Stage 4 · 1 task'],
    );
    assert.deepEqual(stages.map((s) => s.kind), ['stage', 'stage', 'stage', 'stage']);

    const [ready] = await rows(await children(stages[0]));
    assert.equal(ready.label, 'Contact message type and validation');
    assert.equal(ready.description, 'api-schema · 1h');
    assert.equal(ready.contextValue, 'task.ready', 'a ready task offers Start Worker');
    assert.equal((ready.iconPath as vscode.ThemeIcon).id, 'play-circle');
    assert.equal(ready.command?.command, 'baton.openTask');

    const [endpoint, form] = await rows(await children(stages[1]));
    assert.equal(endpoint.label, 'POST /api/contact endpoint');
    assert.equal(form.description, 'ui-form · 3h');
    assert.equal((form.iconPath as vscode.ThemeIcon).id, 'lock');
    assert.equal(form.contextValue, 'task', 'a blocked task offers no worker actions');
    const tooltip = (form.tooltip as vscode.MarkdownString).value;
    for (const part of ['Blocked', 'Stage 2', 'A ContactForm component', '`api-schema`', '`src/components/ContactForm.tsx`', '`npm test -- ContactForm`']) {
      assert.ok(tooltip.includes(part), `the tooltip mentions ${part}`);
    }
  });

  it('is not redrawn by worker changes it does not show, and redraws a changed task\'s row alone, so a row\'s Start Worker button keeps its task', async function () {
    this.timeout(30_000);
    // Each redraw makes VS Code forget the element behind every row until it asks again; an inline
    // button clicked in that gap ran Start Worker with no task, which then asked "which task?".
    const { tasksTree, workers } = await batonApi();
    let redraws = 0;
    const events: unknown[] = [];
    const listening = tasksTree.onDidChangeTreeData!((e) => {
      redraws++;
      events.push(e);
    });
    const run = folderUri('.baton', 'runs', 'api-schema');
    try {
      for (let i = 0; i < 5; i++) workers.refresh();
      assert.equal(redraws, 0, 'nothing shown changed: no redraw');
      // A worker starts on the first task: its row changes, so the tree is redrawn.
      await writeText(
        vscode.Uri.joinPath(run, 'heartbeat.json'),
        JSON.stringify({ task_id: 'api-schema', status: 'in_progress', updated_at: new Date().toISOString(), pid: process.pid }),
      );
      await waitFor('the tree to be redrawn', () => redraws > 0);
      // Another redraw (the plan read again after the test before) can come first: wait for the row.
      await waitFor('the row to show its worker', async () => {
        const [first] = await children((await children())[0]);
        return (await rows([first]))[0].contextValue === 'task.worker';
      });
      // Redrawn alone: the change named that row's element, not the whole tree, and the element stays the same.
      const isApiSchema = (n: unknown) => (n as TasksNode).kind === 'task' && (n as Extract<TasksNode, { kind: 'task' }>).task.id === 'api-schema';
      assert.ok(
        events.some((e) => Array.isArray(e) && e.length === 1 && isApiSchema(e[0])),
        `the row alone was redrawn: ${JSON.stringify(events.map((e) => (Array.isArray(e) ? e.length : String(e))))}`,
      );
      const [again] = await children((await children())[0]);
      assert.equal((await children((await children())[0]))[0], again, 'the row keeps its element');
    } finally {
      listening.dispose();
      await vscode.workspace.fs.delete(run, { recursive: true }).then(undefined, () => undefined);
    }
  });

  it('groups by status when toggled, and back by stage', async () => {
    await vscode.commands.executeCommand('baton.groupByStatus');
    assert.deepEqual((await rows(await children())).map((r) => r.label), ['Ready · 1 task', 'Blocked · 5 tasks']);
    await vscode.commands.executeCommand('baton.groupByStage');
    assert.equal((await rows(await children()))[0].label, 'Stage 1 · 1 task');
  });

  it('shows a Markdown plan that baton.planFile names', async () => {
    const plan = await usePlanFile('plan.md');
    try {
      await writeText(plan, PHASES_PLAN);
      const { planSource } = await batonApi();
      await waitFor('the Markdown plan to be read', () => planSource.current?.plan.format === 'markdown');
      const stages = await children();
      assert.deepEqual((await rows(stages)).map((r) => r.label), ['Stage 1 · 1 task', 'Stage 2 · 1 task']);
      const [form] = await rows(await children(stages[1]));
      assert.equal(form.label, 'Form component');
      assert.equal(form.description, 'phase-2 · 3h');
    } finally {
      await vscode.workspace.fs.delete(plan);
      await resetWorkspace();
    }
  });

  it('opens the plan at a task', async () => {
    const { planSource } = await batonApi();
    const task = planSource.current?.plan.tasks.find((t) => t.id === 'ui-submit');
    assert.ok(task);
    await vscode.commands.executeCommand('baton.openTask', 'ui-submit');
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.toString(), folderUri('baton.yaml').toString());
    assert.equal(editor?.selection.active.line, task.span.start.line - 1);
    assert.match(editor?.document.lineAt(editor.selection.active.line).text ?? '', /id: ui-submit/);
  });
});

describe('Tasks view tooltips', () => {
  after(resetWorkspace);

  it("shows a task's description as text, as an approved worker request wrote it: no image loads, no link or HTML works", async () => {
    // A worker's request becomes a task with the worker's words as its description and its file globs.
    const plan = [
      'version: 1',
      'name: Worker words',
      'base: main',
      'tasks:',
      '  - id: asked',
      '    title: Asked for by a worker',
      '    description: |',
      '      See ![x](http://127.0.0.1:1/beacon.png) then [approve](command:baton.approveTask?%22asked%22)',
      '      <img src="http://127.0.0.1:1/html.png">',
      '    files: ["docs/a`![y](http://127.0.0.1:1/file.png)`"]',
      '',
    ].join('\n');
    await writeText(folderUri('baton.yaml'), plan);
    const { planSource } = await batonApi();
    await waitFor('the plan to be read', () => planSource.current?.plan.name === 'Worker words');
    const [asked] = await rows(await children((await children())[0]));
    assert.equal(asked.label, 'Asked for by a worker');
    const tooltip = asked.tooltip as vscode.MarkdownString;
    assert.ok(!tooltip.isTrusted, 'no command links');
    assert.ok(!tooltip.supportHtml, 'no HTML');
    const text = tooltip.value;
    assert.ok(text.includes('See !\\[x\\](http://127.0.0.1:1/beacon.png) then \\[approve\\](command:'), text);
    assert.ok(text.includes('\\<img src="http://127.0.0.1:1/html.png"\\>'), text);
    assert.ok(!/(^|[^\\])!\[x\]/.test(text) && !/(^|[^\\])\[approve\]/.test(text) && !/(^|[^\\])<img/.test(text), text);
    // A backtick in a file glob cannot end its code span early.
    assert.ok(text.includes('**Files:** `` docs/a`![y](http://127.0.0.1:1/file.png)` ``'), text);
  });
});
