// The Workers view while workers report: each report redraws the worker's row alone. A redraw of the whole
// list makes VS Code forget which element each row stands for until it has asked again, and a click on a
// row's button in that moment reached its command without the row (which then asked "which worker?").
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { WorkerNode, WorkersViewNode } from '../../../src/extension/workersTree';
import { batonApi, folderUri, resetWorkspace, waitFor, writeText } from './testWorkspace';

const run = () => folderUri('.baton', 'runs', 'api-schema');
/** A worker on api-schema as any agent would report it: a fresh heartbeat from a live process (this one). */
const beat = (activity: string) =>
  JSON.stringify({ task_id: 'api-schema', status: 'in_progress', updated_at: new Date().toISOString(), pid: process.pid, activity });

describe('Workers view', () => {
  beforeEach(resetWorkspace);
  afterEach(async () => {
    await vscode.workspace.fs.delete(run(), { recursive: true }).then(undefined, () => undefined);
    await resetWorkspace();
  });

  it("redraws a worker's row alone when it reports, and the whole list when a worker comes", async function () {
    this.timeout(30_000);
    const { workersTree } = await batonApi();
    const fired: unknown[] = [];
    const listening = workersTree.onDidChangeTreeData!((e) => fired.push(e));
    try {
      const rowOf = async () =>
        ((await workersTree.getChildren()) as WorkersViewNode[] | undefined)?.find((n): n is WorkerNode => n.kind === 'worker' && n.taskId === 'api-schema');
      await writeText(vscode.Uri.joinPath(run(), 'heartbeat.json'), beat('Edit src/shared/contact.ts'));
      const row = await waitFor('the worker in the Workers view', rowOf);
      assert.ok(fired.includes(undefined), 'a new worker redrew the list');

      fired.length = 0;
      await writeText(vscode.Uri.joinPath(run(), 'heartbeat.json'), beat('Run npm test'));
      await waitFor('the row to say what the worker does now', async () => String((await workersTree.getTreeItem(row)).description).includes('Run npm test'));
      assert.ok(fired.length > 0, 'the report redrew something');
      assert.ok(
        fired.every((e) => Array.isArray(e) && e.includes(row)),
        `only rows were redrawn, this one among them: ${JSON.stringify(fired.map((e) => (Array.isArray(e) ? e.map((n: WorkerNode) => n.taskId) : String(e))))}`,
      );
      assert.equal(await rowOf(), row, 'the row is still the element VS Code was given');
    } finally {
      listening.dispose();
    }
  });
});
