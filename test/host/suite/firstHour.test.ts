// What a new user meets in the first hour: a typo in the plan, the analysis following edits, quick
// fixes, Add Task, Create Plan, and the small wording touches.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { TasksNode } from '../../../src/extension/tasksTree';
import { batonApi, folderUri, positionOf, readText, resetWorkspace, usePlanFile, waitFor, writeText } from './testWorkspace';

async function allTaskRows(): Promise<Map<string, vscode.TreeItem>> {
  const { tasksTree } = await batonApi();
  const out = new Map<string, vscode.TreeItem>();
  const walk = async (node?: TasksNode) => {
    for (const child of (await tasksTree.getChildren(node)) ?? []) {
      if (child.kind === 'task') out.set(child.task.id, await tasksTree.getTreeItem(child));
      else await walk(child);
    }
  };
  await walk();
  return out;
}

/** Opens the plan and replaces the first `from` (after `after`) with `to`, unsaved. */
async function editPlan(from: string, to: string, after = ''): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(folderUri('baton.yaml'));
  await vscode.window.showTextDocument(document);
  const start = positionOf(document.getText(), from, after);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(start, start.translate(0, from.length)), to);
  assert.ok(await vscode.workspace.applyEdit(edit));
  return document;
}

describe('First hour', () => {
  beforeEach(resetWorkspace);
  after(resetWorkspace);

  it('a task with an unknown dependency says it needs a fix in the plan, with no Start button', async () => {
    const { planSource } = await batonApi();
    // api-schema is the one ready task: give it a typo'd dependency.
    await editPlan('deps: []', 'deps: [ui-from]', 'id: api-schema');
    await waitFor('the typo to be reported', () => planSource.current?.diagnostics.some((d) => d.code === 'unknown-dependency'));
    const rows = await allTaskRows();
    const schema = rows.get('api-schema');
    assert.ok(schema);
    assert.equal(schema.contextValue, 'task.needsFix', 'no Start Worker on it (menus show it for task.ready only)');
    assert.match(String(schema.description), /^Needs a fix in the plan · api-schema/);
    assert.equal((schema.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match((schema.tooltip as vscode.MarkdownString).value, /depends on "ui-from"/);
    assert.equal(schema.id, 'task:api-schema', 'tree items keep a stable id');
    assert.equal(rows.get('ui-form')?.contextValue, 'task', 'other tasks are as they were');
  });
});

describe('Show Plan Analysis', () => {
  beforeEach(resetWorkspace);
  after(resetWorkspace);

  it('follows unsaved edits and simulates the plan on the configured number of workers', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('baton.showAnalysis');
    const read = async () => (await vscode.workspace.openTextDocument(uri)).getText();
    assert.match(await read(), /6 tasks/);
    assert.match(await read(), /## Simulation\n\nWith 4 workers: \*\*8h\*\*; lower bound 8h/);
    assert.match(await read(), /\| 1 \| 11\.5h \| 11\.5h \|/, 'one worker does all 11.5h of work in a row');

    const document = await editPlan('tasks:\n', 'tasks:\n  - id: docs\n    title: Write the docs\n    estimate: 2h\n');
    try {
      await waitFor('the analysis to count the unsaved task', async () => /7 tasks/.test(await read()));
      // A user setting only (a repository cannot raise it).
      await vscode.workspace.getConfiguration('baton').update('maxWorkers', 1, vscode.ConfigurationTarget.Global);
      await waitFor('the analysis to follow baton.maxWorkers', async () => /With 1 worker: \*\*13\.5h\*\*/.test(await read()));
    } finally {
      await vscode.workspace.getConfiguration('baton').update('maxWorkers', undefined, vscode.ConfigurationTarget.Global);
      // Undo the unsaved edit here, so the plan is clean for whatever runs next.
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('undo');
    }
  });
});

describe('Quick fixes for plan problems', () => {
  beforeEach(resetWorkspace);
  after(resetWorkspace);

  async function fixesAt(document: vscode.TextDocument, code: string): Promise<vscode.CodeAction[]> {
    const diagnostic = await waitFor(`a ${code} problem`, () => vscode.languages.getDiagnostics(document.uri).find((d) => d.code === code));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    // Other extensions may offer fixes here too: keep Baton's (the command's results carry no diagnostics).
    return actions.filter((a) => /^(Did you mean|Remove the dependency|Rename this task)/.test(a.title));
  }

  async function apply(action: vscode.CodeAction | undefined): Promise<void> {
    assert.ok(action?.edit, 'the quick fix edits the plan');
    assert.ok(await vscode.workspace.applyEdit(action.edit));
  }

  it('"Did you mean ui-form?" replaces an unknown dependency', async () => {
    const document = await editPlan('deps: [api-endpoint, ui-form]', 'deps: [api-endpoint, ui-from]');
    const fixes = await fixesAt(document, 'unknown-dependency');
    assert.deepEqual(fixes.map((a) => a.title), ['Did you mean "ui-form"? Change the dependency to "ui-form"', 'Remove the dependency "ui-from"']);
    await apply(fixes[0]);
    assert.match(document.getText(), /deps: \[api-endpoint, ui-form\]/);
    const { planSource } = await batonApi();
    await waitFor('the plan to be valid again', () => planSource.current?.diagnostics.length === 0);
  });

  it('removes the dependency that closes a cycle', async () => {
    const document = await editPlan('deps: []', 'deps: [e2e-review]', 'id: api-schema');
    const fixes = await fixesAt(document, 'cycle');
    assert.equal(fixes.length, 1);
    assert.match(fixes[0].title, /Remove the dependency of "api-schema" on "e2e-review" to break the cycle/);
    await apply(fixes[0]);
    assert.match(document.getText(), /id: api-schema[\s\S]*?deps: \[\]/);
    const { planSource } = await batonApi();
    await waitFor('the cycle to be gone', () => planSource.current?.diagnostics.length === 0);
  });

  it('renames a duplicate id to a free one', async () => {
    const document = await editPlan('id: email-notify', 'id: ui-form');
    const fixes = await fixesAt(document, 'duplicate-id');
    assert.deepEqual(fixes.map((a) => a.title), ['Rename this task to "ui-form-2" (another task is "ui-form")']);
    await apply(fixes[0]);
    assert.match(document.getText(), /- id: ui-form-2\n\s+title: Email the team/);
  });
});

describe('The plan\'s base branch', () => {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: folderUri().fsPath, encoding: 'utf8' }).trim();
  beforeEach(resetWorkspace);
  afterEach(async () => {
    git('checkout', '-q', 'main');
    git('branch', '-q', '-D', 'trunk');
    await vscode.workspace.fs.delete(folderUri('plans'), { recursive: true }).then(undefined, () => undefined);
  });
  after(resetWorkspace);

  it('Create Plan writes the branch checked out as base; a base that is no branch here is a warning at its line', async () => {
    git('checkout', '-q', '-b', 'trunk');
    const target = await usePlanFile('plans/plan.yaml');
    await vscode.commands.executeCommand('baton.createPlan');
    const text = await readText(target);
    assert.match(text, /^base: trunk {15}# worktrees branch from here/m, 'the comment stays in its column');
    const { planSource } = await batonApi();
    await waitFor('the new plan', () => planSource.current?.uri.toString() === target.toString());
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(vscode.languages.getDiagnostics(target), [], 'trunk exists: no warning');

    await writeText(target, text.replace('base: trunk', 'base: nope'));
    const warning = await waitFor('a warning at base', () => vscode.languages.getDiagnostics(target).find((d) => d.code === 'unknown-base'));
    assert.equal(warning.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(warning.range.start.line, 8);
    assert.equal(warning.range.start.character, 6);
    assert.match(warning.message, /The branch "nope" does not exist in this repository.*Write `base: trunk`/);
  });
});
