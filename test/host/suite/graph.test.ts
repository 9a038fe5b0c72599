// The Graph panel's commands in the real extension host (the panel's page itself: test/e2e/graph.test.ts).
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { folderUri, readText, resetWorkspace, waitFor } from './testWorkspace';

const graphTabs = () =>
  vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('baton.graph'));

describe('Graph', () => {
  before(resetWorkspace);
  after(resetWorkspace);

  it('exports the plan as a self-contained SVG', async () => {
    const target = folderUri('graph-export.svg');
    try {
      await vscode.commands.executeCommand('baton.exportGraphSvg', target);
      const svg = await readText(target);
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.equal((svg.match(/<rect width="220"/g) ?? []).length, 6, 'a box per task of the sample plan');
      assert.match(svg, /Contact message type and validation \(api-schema\): Ready/);
      assert.doesNotMatch(svg, /<script|href=/);
    } finally {
      await vscode.workspace.fs.delete(target).then(undefined, () => undefined);
    }
  });

  it('opens one Graph panel, and brings it back instead of opening a second', async () => {
    await vscode.commands.executeCommand('baton.showGraph');
    await waitFor('the Graph panel', () => graphTabs().length === 1);
    await vscode.commands.executeCommand('workbench.action.focusFirstEditorGroup');
    await vscode.commands.executeCommand('baton.showGraph');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(graphTabs().length, 1);
    assert.equal(graphTabs()[0].label, 'Baton Graph');
    await vscode.window.tabGroups.close(graphTabs());
  });
});
