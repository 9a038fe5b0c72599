// File conflicts in the editor: a warning at each contested `files` entry naming the other task, a quick
// fix that adds the suggested dependency in the file's own style, and the tasks marked in the tree.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { TaskNode, TasksNode } from '../../../src/extension/tasksTree';
import { batonApi, folderUri, positionOf, resetWorkspace, waitFor, writeText } from './testWorkspace';

const CONFLICT_PLAN = `version: 1
name: Shared database
tasks:
  - id: api   # the endpoint
    title: API endpoint
    files: [src/api/**, src/shared/db.ts]
    estimate: 2h
  - id: ui
    title: Contact form
    deps: []
    files: [src/ui/**, src/shared/db.ts]   # the form saves drafts too
  - id: docs
    title: Docs
    files: [docs/**]
`;

function conflictWarnings(uri: vscode.Uri): vscode.Diagnostic[] | undefined {
  const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Baton' && d.code === 'file-conflict');
  return found.length > 0 ? found : undefined;
}

async function taskNodes(): Promise<TaskNode[]> {
  const { tasksTree } = await batonApi();
  const out: TaskNode[] = [];
  const walk = async (node?: TasksNode) => {
    for (const child of (await tasksTree.getChildren(node)) ?? []) {
      if (child.kind === 'task') out.push(child);
      else await walk(child);
    }
  };
  await walk();
  return out;
}

describe('File conflicts in the editor', () => {
  beforeEach(resetWorkspace);
  after(resetWorkspace);

  it('warns at each contested files entry, naming the other task, and the quick fix adds the dependency', async () => {
    const plan = folderUri('baton.yaml');
    await writeText(plan, CONFLICT_PLAN);
    const warnings = await waitFor('the file-conflict warnings', () => conflictWarnings(plan));
    assert.equal(warnings.length, 2, 'one at each task’s src/shared/db.ts');
    const [onApi, onUi] = [...warnings].sort((a, b) => a.range.start.line - b.range.start.line);
    assert.equal(onUi.severity, vscode.DiagnosticSeverity.Warning);
    assert.deepEqual(onApi.range.start, positionOf(CONFLICT_PLAN, 'src/shared/db.ts'));
    assert.deepEqual(onUi.range.start, positionOf(CONFLICT_PLAN, 'src/shared/db.ts', '- id: ui'));
    assert.match(onUi.message, /"ui" may touch src\/shared\/db\.ts at the same time as "api"/);
    assert.match(onApi.message, /as "ui"/);

    const document = await vscode.workspace.openTextDocument(plan);
    await vscode.window.showTextDocument(document);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', plan, onUi.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Make "ui" depend on "api"');
    assert.ok(fix?.edit, `a quick fix is offered (got: ${actions.map((a) => a.title).join(', ') || 'none'})`);
    assert.equal(fix.isPreferred, true);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(document.getText(), CONFLICT_PLAN.replace('    deps: []\n', '    deps: [api]\n'), 'only the deps change; comments and layout stay');
    await waitFor('the warnings to clear once ui depends on api', () => !conflictWarnings(plan));
  });

  it('marks the tasks in the tree: warning-coloured icon and the conflict in the tooltip', async () => {
    const plan = folderUri('baton.yaml');
    await writeText(plan, CONFLICT_PLAN);
    const { planSource, tasksTree } = await batonApi();
    await waitFor('the plan to be read', () => planSource.current?.plan.name === 'Shared database');
    const nodes = await taskNodes();
    const ui = nodes.find((n) => n.task.id === 'ui')!;
    const docs = nodes.find((n) => n.task.id === 'docs')!;
    const item = await tasksTree.getTreeItem(ui);
    const icon = item.iconPath as vscode.ThemeIcon;
    assert.equal(icon.id, 'play-circle', 'still shaped as its state (ready)');
    assert.equal(icon.color?.id, 'problemsWarningIcon.foreground');
    const tooltip = (item.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /\*\*File conflicts:\*\*/);
    assert.match(tooltip, /`src\/shared\/db\.ts` with `api`/);
    const plain = (await tasksTree.getTreeItem(docs)).iconPath as vscode.ThemeIcon;
    assert.notEqual(plain.color?.id, 'problemsWarningIcon.foreground', 'a task without conflicts keeps its colour');
  });

  it('shows why a ready task waits: a task it may conflict with is running', async function () {
    this.timeout(30_000);
    const plan = folderUri('baton.yaml');
    await writeText(plan, CONFLICT_PLAN);
    const { planSource, tasksTree } = await batonApi();
    await waitFor('the plan to be read', () => planSource.current?.plan.name === 'Shared database');
    // A worker on api as any agent would report it: a fresh heartbeat from a live process (this one).
    const run = folderUri('.baton', 'runs', 'api');
    const heartbeat = () =>
      JSON.stringify({ task_id: 'api', status: 'in_progress', updated_at: new Date().toISOString(), pid: process.pid, activity: 'Edit src/shared/db.ts' });
    await writeText(vscode.Uri.joinPath(run, 'heartbeat.json'), heartbeat());
    try {
      const held = await waitFor('ui to show that it waits for api', async () => {
        const ui = (await taskNodes()).find((n) => n.task.id === 'ui');
        return ui?.hold ? ui : undefined;
      });
      const item = await tasksTree.getTreeItem(held);
      assert.equal(item.description, 'ui · waits for api: both touch src/shared/db.ts');
      assert.match((item.tooltip as vscode.MarkdownString).value, /Not started yet: it waits for api: both touch src\/shared\/db\.ts/);
      const docs = (await taskNodes()).find((n) => n.task.id === 'docs')!;
      assert.equal(docs.hold, undefined, 'a task without conflicts is not held');
    } finally {
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(folderUri('.baton'), 'runs', 'api'), { recursive: true });
    }
  });
});
