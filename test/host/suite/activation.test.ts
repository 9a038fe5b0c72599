// Baton starts by itself in a folder with baton.yaml and reads the plan.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { ValidationSummary } from '../../../src/extension/commands/validatePlan';
import { batonExtension, folderUri, resetWorkspace, waitFor } from './testWorkspace';

describe('Activation', () => {
  after(resetWorkspace);

  it('activates by itself in a workspace with baton.yaml', async () => {
    const ext = batonExtension();
    assert.ok((ext.packageJSON.activationEvents as string[]).includes('workspaceContains:baton.yaml'));
    // Nothing here calls activate(): VS Code must have done it for the workspace's baton.yaml.
    await waitFor('Baton to activate', () => ext.isActive, 30_000);
    assert.ok(ext.exports.planSource.current, 'the plan was read during activation');
  });

  it('reads the plan: tasks, problems and stages', async () => {
    await resetWorkspace();
    const { planSource } = batonExtension().exports;
    const snapshot = await waitFor('the plan to be read', () => planSource.current);
    assert.equal(snapshot.uri.toString(), folderUri('baton.yaml').toString());
    assert.equal(snapshot.plan.name, 'Contact form');
    assert.equal(snapshot.plan.tasks.length, 6);
    assert.deepEqual(snapshot.diagnostics, []);
    assert.deepEqual(snapshot.analysis?.stages, [
      ['api-schema'],
      ['api-endpoint', 'ui-form'],
      ['email-notify', 'ui-submit'],
      ['e2e-review'],
    ]);
  });

  it('registers every command it contributes', async () => {
    const contributed = (batonExtension().packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((id) => !registered.has(id)), []);
    for (const id of ['baton.createPlan', 'baton.addTask', 'baton.validatePlan', 'baton.showAnalysis', 'baton.importMarkdownPlan', 'baton.refresh', 'baton.openTask']) {
      assert.ok(contributed.includes(id), `${id} is contributed`);
    }
  });

  it('Validate Plan reports the sample plan as valid', async () => {
    const summary = await vscode.commands.executeCommand<ValidationSummary>('baton.validatePlan');
    assert.deepEqual(summary, { tasks: 6, errors: 0, warnings: 0 });
  });
});
