// The commands that write: Add Task, Create Plan, Import Markdown Plan; and the analysis document.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { NewTask } from '../../../src/core/plan/edit';
import { PHASES_PLAN, batonApi, folderUri, readText, resetWorkspace, samplePlan, usePlanFile, waitFor, writeText } from './testWorkspace';

const DOCS_TASK: NewTask = { id: 'docs', title: 'Write the docs', deps: ['e2e-review'], files: ['README.md'], estimate: '1h' };


async function remove(...paths: string[]): Promise<void> {
  for (const path of paths) await vscode.workspace.fs.delete(folderUri(path), { recursive: true }).then(undefined, () => undefined);
}

describe('Commands', () => {
  beforeEach(resetWorkspace);
  after(resetWorkspace);

  describe('Add Task', () => {
    afterEach(() => remove('plan.md'));

    it('appends the task to the open document, keeping comments and allowing undo', async () => {
      const sample = await samplePlan();
      const document = await vscode.commands.executeCommand<vscode.TextDocument>('baton.addTask', DOCS_TASK);
      assert.ok(document, 'the command returns the edited document');
      const text = document.getText();
      assert.ok(text.startsWith(sample.trimEnd()), 'everything before the new task is unchanged, comments included');
      assert.match(text.slice(sample.trimEnd().length), /- id: docs\n\s+title: Write the docs\n\s+deps: \[ ?e2e-review ?\]/);
      assert.ok(document.isDirty, 'the edit is left for the user to save');

      const { planSource } = await batonApi();
      await waitFor('the tree to see the new task', () => planSource.current?.plan.tasks.some((t) => t.id === 'docs'));
      assert.deepEqual(planSource.current?.diagnostics, []);

      await vscode.commands.executeCommand('undo');
      assert.equal(document.getText(), sample);
    });

    it('keeps unsaved edits made before it', async () => {
      const plan = folderUri('baton.yaml');
      const document = await vscode.workspace.openTextDocument(plan);
      await vscode.window.showTextDocument(document);
      const edit = new vscode.WorkspaceEdit();
      const name = document.getText().indexOf('Contact form');
      edit.replace(plan, new vscode.Range(document.positionAt(name), document.positionAt(name + 'Contact form'.length)), 'Contact page');
      assert.ok(await vscode.workspace.applyEdit(edit));

      await vscode.commands.executeCommand('baton.addTask', DOCS_TASK);
      assert.match(document.getText(), /name: Contact page/);
      assert.match(document.getText(), /- id: docs/);
    });

    it('refuses to edit a Markdown plan', async () => {
      const plan = await usePlanFile('plan.md');
      await writeText(plan, PHASES_PLAN);
      const { planSource } = await batonApi();
      await waitFor('the Markdown plan to be read', () => planSource.current?.plan.format === 'markdown');
      assert.equal(await vscode.commands.executeCommand('baton.addTask', DOCS_TASK), undefined);
      assert.equal(await readText(plan), PHASES_PLAN);
    });

    it('refuses an id that is already taken', async () => {
      const result = await vscode.commands.executeCommand('baton.addTask', { ...DOCS_TASK, id: 'ui-form' });
      assert.equal(result, undefined);
      assert.equal(await readText(folderUri('baton.yaml')), await samplePlan());
    });
  });

  describe('Create Plan', () => {
    afterEach(() => remove('plans'));

    it('writes the sample plan where baton.planFile points, and never over an existing plan', async () => {
      const target = await usePlanFile('plans/new-plan.yaml');
      const { planSource } = await batonApi();
      await waitFor('no plan at the new location', () => planSource.current === undefined);

      const created = await vscode.commands.executeCommand<vscode.Uri>('baton.createPlan');
      assert.equal(created?.toString(), target.toString());
      assert.equal(await readText(target), await samplePlan());
      assert.equal(planSource.current?.plan.tasks.length, 6);
      assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), target.toString());

      const mine = 'version: 1\nname: Mine\ntasks:\n  - id: only\n    title: Only task\n';
      await writeText(target, mine);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('baton.createPlan');
      assert.equal(await readText(target), mine, 'the existing plan is left as it was');
    });
  });

  describe('Import Markdown Plan', () => {
    afterEach(() => remove('imported', 'phases.md', 'broken-phases.md'));

    it('writes the Markdown plan as YAML at the plan location', async () => {
      const source = folderUri('phases.md');
      await writeText(source, PHASES_PLAN);
      const target = await usePlanFile('imported/baton.yaml');

      const written = await vscode.commands.executeCommand<vscode.Uri>('baton.importMarkdownPlan', source);
      assert.equal(written?.toString(), target.toString());
      const yaml = await readText(target);
      assert.match(yaml, /Imported from phases\.md/);
      const { planSource } = await batonApi();
      const plan = planSource.current?.plan;
      assert.deepEqual(plan?.tasks.map((t) => [t.id, t.deps, t.estimate]), [
        ['phase-1', [], '2h'],
        ['phase-2', ['phase-1'], '3h'],
      ]);
      assert.deepEqual(planSource.current?.diagnostics, []);
      assert.deepEqual(vscode.languages.getDiagnostics(source), []);
    });

    it('writes nothing when the Markdown plan has errors, and shows them in Problems', async () => {
      const source = folderUri('broken-phases.md');
      await writeText(source, PHASES_PLAN.replace('**Dependencies**: Phase 1', '**Dependencies**: Phase 9'));
      const target = await usePlanFile('imported/baton.yaml');

      const written = await vscode.commands.executeCommand('baton.importMarkdownPlan', source);
      assert.equal(written, undefined);
      await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(target)), 'no plan was written');
      const problems = vscode.languages.getDiagnostics(source).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
      assert.ok(problems.length > 0, 'the Markdown file has an error in Problems');
      assert.equal(problems[0].source, 'Baton');
    });
  });

  describe('Show Plan Analysis', () => {
    it('opens a Markdown document with stages, the critical path, parallelism and conflicts', async () => {
      const uri = await vscode.commands.executeCommand<vscode.Uri>('baton.showAnalysis');
      assert.equal(uri?.scheme, 'baton-analysis');
      const text = (await vscode.workspace.openTextDocument(uri)).getText();
      for (const part of ['# Plan analysis: Contact form', '**Stage 2** · 2 tasks', '## Critical path: 8h', '`ui-form` Contact form component · 3h', 'At most **2** tasks can run at once', '## File conflicts', 'None:']) {
        assert.ok(text.includes(part), `the analysis includes ${part}`);
      }
    });
  });
});
