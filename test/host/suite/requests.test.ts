// The Requests section of the Workers view: a worker's request shown with who asked and why, approved into
// the plan (comments kept), a malformed one shown with its problem and refused, one declined.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { RequestNode } from '../../../src/extension/requests';
import type { WorkersViewNode } from '../../../src/extension/workersTree';
import { batonApi, folderUri, readText, resetWorkspace, samplePlan, waitFor, writeText } from './testWorkspace';

async function writeRequest(folder: string, instructions?: string, meta?: object): Promise<void> {
  if (instructions !== undefined) await writeText(folderUri('.baton', 'requests', folder, 'instructions.md'), instructions);
  else await vscode.workspace.fs.createDirectory(folderUri('.baton', 'requests', folder));
  if (meta) await writeText(folderUri('.baton', 'requests', folder, 'request.json'), JSON.stringify(meta));
}

async function requestNode(folder: string): Promise<RequestNode> {
  const { workersTree, requests } = await batonApi();
  return waitFor(`${folder} under Requests`, async () => {
    requests.refresh();
    const roots = ((await workersTree.getChildren()) ?? []) as WorkersViewNode[];
    const group = roots.find((n) => n.kind === 'requests');
    if (!group) return undefined;
    const children = ((await workersTree.getChildren(group)) ?? []) as RequestNode[];
    return children.find((n) => n.request.folder === folder);
  });
}

describe('Requests (Workers view)', () => {
  beforeEach(resetWorkspace);
  afterEach(async () => {
    await vscode.workspace.fs.delete(folderUri('.baton', 'requests'), { recursive: true }).then(undefined, () => undefined);
    await resetWorkspace();
  });

  it('shows a request with who asked and why; Approve adds it to baton.yaml with the comments kept', async () => {
    await writeRequest('engineer-request-host-docs', 'Document the form\n\nUsers ask how to embed it.', { from: 'ui-form', at: '2026-01-02T03:04:05Z' });
    const node = await requestNode('engineer-request-host-docs');
    assert.equal(node.kind, 'request');
    const { workersTree, planSource } = await batonApi();
    const item = await workersTree.getTreeItem(node);
    assert.equal(item.label, 'Document the form');
    assert.match(String(item.description), /engineer · from ui-form · /);
    assert.equal(item.contextValue, 'request');

    assert.equal(await vscode.commands.executeCommand('baton.approveRequest', node), true);
    const sample = await samplePlan();
    const text = await readText(folderUri('baton.yaml'));
    assert.ok(text.startsWith(sample), 'the plan as written is kept, comments included');
    assert.match(text.slice(sample.length), /- id: host-docs\n\s+title: Document the form\n[\s\S]*persona: engineer/);
    await waitFor('the plan to hold the new task', () => planSource.current?.plan.tasks.some((t) => t.id === 'host-docs'));
    assert.equal((await requestNode('engineer-request-host-docs')).kind, 'request.decided');
  });

  it('a malformed request shows what is wrong and cannot be approved; Decline records why', async () => {
    await writeRequest('engineer-request-ui-form', 'Make another form');
    const clash = await requestNode('engineer-request-ui-form');
    assert.equal(clash.kind, 'request.malformed');
    const { workersTree } = await batonApi();
    assert.match(String((await workersTree.getTreeItem(clash)).description), /can't be approved: The plan already has a task "ui-form"/);
    assert.equal(await vscode.commands.executeCommand('baton.approveRequest', clash), false);
    assert.equal(await readText(folderUri('baton.yaml')), await samplePlan());

    await vscode.commands.executeCommand('baton.declineRequest', clash, 'We have one');
    await waitFor('the request to show as declined', async () => (await requestNode('engineer-request-ui-form')).request.status === 'declined');
    assert.match(await readText(folderUri('.baton', 'requests', 'engineer-request-ui-form', 'decision.json')), /"reason": "We have one"/);
  });

  it('auto-approval (user setting) approves well-formed requests for the allowed personas, within its budget', async function () {
    this.timeout(30_000);
    const config = vscode.workspace.getConfiguration('baton');
    await config.update('requests.autoApprove', { maxRequests: 1, personas: ['intern'] }, vscode.ConfigurationTarget.Global);
    try {
      await writeRequest('architect-request-host-design', 'Design it'); // persona not allowed: waits for the person
      await writeRequest('intern-request-host-typo', 'Fix the typo in the README');
      await waitFor('the intern request to be approved by itself', async () => (await requestNode('intern-request-host-typo')).request.status === 'approved', 15_000);
      assert.match(await readText(folderUri('baton.yaml')), /- id: host-typo\n/);
      await writeRequest('intern-request-host-typo2', 'Another typo'); // over the budget of one
      const second = await requestNode('intern-request-host-typo2');
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(second.request.status, 'pending');
      assert.equal((await requestNode('architect-request-host-design')).request.status, 'pending');
      assert.doesNotMatch(await readText(folderUri('baton.yaml')), /host-typo2|host-design/);
    } finally {
      await config.update('requests.autoApprove', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it("declining types the answer into the requester's open terminal, also when declined from the command line", async function () {
    this.timeout(30_000);
    await vscode.workspace.fs.createDirectory(folderUri('.baton', 'runs', 'ui-form'));
    const terminal = vscode.window.createTerminal({ name: 'Baton: ui-form', shellPath: '/bin/cat' });
    const events = () => readText(folderUri('.baton', 'runs', 'ui-form', 'events.jsonl')).catch(() => '');
    try {
      await writeRequest('engineer-request-host-extra', 'More work', { from: 'ui-form' });
      await vscode.commands.executeCommand('baton.declineRequest', await requestNode('engineer-request-host-extra'), 'Not in this release');
      await waitFor('the answer typed into the terminal', async () => /"type":"reply".*Your request engineer-request-host-extra was declined: Not in this release/.test(await events()));

      // `baton request decline` writes the decision; the window that watches tells the requester.
      await writeRequest('engineer-request-host-more', 'Even more', { from: 'ui-form' });
      await requestNode('engineer-request-host-more');
      await writeText(folderUri('.baton', 'requests', 'engineer-request-host-more', 'decision.json'), JSON.stringify({ decision: 'declined', reason: 'Decided in a shell', at: new Date().toISOString() }));
      await waitFor('the CLI decline typed into the terminal', async () => /Your request engineer-request-host-more was declined: Decided in a shell/.test(await events()), 15_000);
    } finally {
      terminal.dispose();
      await vscode.workspace.fs.delete(folderUri('.baton', 'runs', 'ui-form'), { recursive: true }).then(undefined, () => undefined);
    }
  });
});
