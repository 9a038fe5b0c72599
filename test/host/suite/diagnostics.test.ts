// Plan errors reach the Problems panel (vscode.languages.getDiagnostics) at the right place, whether the
// file changes on disk or the user types without saving.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { ValidationSummary } from '../../../src/extension/commands/validatePlan';
import { batonApi, folderUri, positionOf, resetWorkspace, samplePlan, waitFor, writeText } from './testWorkspace';

const UNKNOWN_DEP_PLAN = `version: 1
name: Broken
tasks:
  - id: a
    title: First
  - id: b
    title: Second
    deps: [a, nope]
`;

/** Baton's diagnostics with this code, or undefined while there are none (for waitFor). */
function batonDiagnostics(uri: vscode.Uri, code: string): vscode.Diagnostic[] | undefined {
  const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Baton' && d.code === code);
  return found.length > 0 ? found : undefined;
}

describe('Plan problems', () => {
  beforeEach(resetWorkspace);
  after(resetWorkspace);

  it('shows an unknown dependency written to disk at its line and column, with its code', async () => {
    const plan = folderUri('baton.yaml');
    await writeText(plan, UNKNOWN_DEP_PLAN);
    const [diagnostic] = await waitFor('the unknown-dependency diagnostic', () => batonDiagnostics(plan, 'unknown-dependency'));
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual(diagnostic.range.start, positionOf(UNKNOWN_DEP_PLAN, 'nope'));
    assert.match(diagnostic.message, /nope/);

    const summary = await vscode.commands.executeCommand<ValidationSummary>('baton.validatePlan');
    assert.deepEqual(summary, { tasks: 2, errors: 1, warnings: 0 });

    // The tree keeps the tasks it could read, under a "problems" item that opens the Problems panel.
    const { tasksTree } = await batonApi();
    const roots = (await tasksTree.getChildren()) ?? [];
    assert.equal(roots[0]?.kind, 'problem');
    const problem = await tasksTree.getTreeItem(roots[0]);
    assert.equal(problem.label, '1 problem in the plan');
    assert.equal(problem.command?.command, 'workbench.actions.view.problems');
    assert.deepEqual(roots.slice(1).map((n) => n.kind), ['stage', 'stage']);
  });

  it('follows unsaved edits after a short pause, and clears when they are undone', async () => {
    const plan = folderUri('baton.yaml');
    const document = await vscode.workspace.openTextDocument(plan);
    await vscode.window.showTextDocument(document);
    const sample = document.getText();
    assert.equal(sample, await samplePlan());
    const at = positionOf(sample, 'deps: [api-schema]', '- id: api-endpoint').translate(0, 'deps: [api-schema'.length);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(plan, at, ', api-shema');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(document.isDirty, 'the edit is not saved');

    const [diagnostic] = await waitFor('a diagnostic for the unsaved typo', () => batonDiagnostics(plan, 'unknown-dependency'));
    assert.deepEqual(diagnostic.range.start, at.translate(0, 2));
    assert.match(diagnostic.message, /api-schema/, 'the message suggests the closest id');

    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), sample);
    await waitFor('the diagnostic to clear', () => vscode.languages.getDiagnostics(plan).length === 0);
  });
});
