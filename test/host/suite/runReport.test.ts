// Run Report and the metrics in a task's tooltip, from a finished worker's files.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { TasksNode } from '../../../src/extension/tasksTree';
import { writeRunFixture } from '../runFixture';
import { batonApi, folderUri, readText, resetWorkspace } from './testWorkspace';

describe('Run Report', () => {
  let cleanUp: (() => void) | undefined;
  beforeEach(resetWorkspace);
  afterEach(async () => {
    cleanUp?.();
    await resetWorkspace();
  });

  it('shows per-task time, tokens, cost, gate runs and estimate against actual, with a timeline of workers', async () => {
    cleanUp = writeRunFixture(folderUri().fsPath);
    const uri = await vscode.commands.executeCommand<vscode.Uri>('baton.showRunReport');
    assert.ok(uri, 'the command returns the report file');
    const text = await readText(uri);
    assert.match(text, /^# Run Report: Contact form/m);
    assert.match(text, /\| `api-schema` .* \| approved \| 50m 00s \| 35m 00s \| 5m 00s \| 23\.5k \| \$0\.02 \| 1 \| 0 \| 1h \| 50m \|/);
    assert.match(text, /\| `ui-form` .* \| started \| 31m 00s \| 20m 00s \| 8m 00s \| 0 \| \$0\.00 \|/);
    assert.match(text, /api-schema +est +#+/);
    assert.match(text, /!\[Timeline[^\]]*\]\(timeline\.svg\)/);
    const svg = await readText(vscode.Uri.joinPath(uri, '..', 'timeline.svg'));
    assert.match(svg, /<text[^>]*>api-schema<\/text>/);
    assert.match(svg, /<text[^>]*>ui-form<\/text>/);
  });

  it("adds the task's metrics to its tooltip", async () => {
    cleanUp = writeRunFixture(folderUri().fsPath);
    const { tasksTree } = await batonApi();
    const find = (nodes: TasksNode[]): TasksNode | undefined => {
      for (const n of nodes) {
        if (n.kind === 'task' && n.task.id === 'api-schema') return n;
        const inner = find((tasksTree.getChildren(n) as TasksNode[]) ?? []);
        if (inner) return inner;
      }
      return undefined;
    };
    const node = find((tasksTree.getChildren() as TasksNode[]) ?? []);
    assert.ok(node, 'api-schema is in the tree');
    const item = await tasksTree.resolveTreeItem!(await tasksTree.getTreeItem(node), node, new vscode.CancellationTokenSource().token);
    const tooltip = (item?.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /\*\*Time:\*\* 50m 00s wall · 35m 00s working · 5m 00s waiting for you/);
    assert.match(tooltip, /\*\*Tokens:\*\* 23\.5k · \$0\.02/);
    assert.match(tooltip, /\*\*Gate runs:\*\* 1 · \*\*Changes requested:\*\* 0/);
    assert.match(tooltip, /\*\*Estimate against actual:\*\* 1h 00m · 50m 00s/);
  });
});
