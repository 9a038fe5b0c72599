// The review summary (Review Task's Markdown document) follows what happens after it is opened: the gates
// run from VS Code, and the worker's result.json rewritten from outside.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { batonApi, folderUri, readText, resetWorkspace, waitFor, writeText } from './testWorkspace';

const PLAN = `version: 1
name: Review follows
base: main
tasks:
  - id: rev
    title: Reviewed task
    gates: ["git --version"]
`;

const summaryUri = vscode.Uri.from({ scheme: 'baton-review', path: '/rev/Review rev.md' });

describe('Review summary', () => {
  const root = () => folderUri().fsPath;
  const worktree = () => folderUri('.baton', 'worktrees', 'rev').fsPath;

  afterEach(async () => {
    try {
      execFileSync('git', ['worktree', 'remove', '--force', worktree()], { cwd: root(), stdio: 'pipe' });
      execFileSync('git', ['branch', '-D', 'baton/rev'], { cwd: root(), stdio: 'pipe' });
    } catch {
      // not made: the test failed before
    }
    await vscode.workspace.fs.delete(folderUri('.baton', 'runs', 'rev'), { recursive: true }).then(undefined, () => undefined);
    await resetWorkspace();
  });

  it('an open summary shows the gates once Run Gates finishes, and what result.json says when it changes', async function () {
    this.timeout(60_000);
    await writeText(folderUri('baton.yaml'), PLAN);
    const { planSource, workers } = await batonApi();
    await waitFor('the plan to be read', () => planSource.current?.plan.name === 'Review follows');
    // A finished worker as any agent would leave it: its branch and worktree, and a final heartbeat.
    execFileSync('git', ['worktree', 'add', '-q', '-b', 'baton/rev', worktree(), 'main'], { cwd: root(), stdio: 'pipe' });
    await writeText(
      folderUri('.baton', 'runs', 'rev', 'heartbeat.json'),
      JSON.stringify({ task_id: 'rev', status: 'done', exit_code: 0, updated_at: new Date().toISOString(), pid: process.pid }),
    );
    await waitFor('rev to be in review', () => workers.taskStates(planSource.current!).get('rev') === 'review');

    await vscode.commands.executeCommand('baton.reviewTask', 'rev');
    const doc = await vscode.workspace.openTextDocument(summaryUri);
    assert.match(doc.getText(), /_Not run yet: `git --version`\. Use Run Gates\._/);

    await vscode.commands.executeCommand('baton.runGates', 'rev');
    await waitFor('the summary to show the gate passed', () => doc.getText().includes('- ✓ `git --version`'));
    assert.doesNotMatch(doc.getText(), /Not run yet/);

    const resultFile = folderUri('.baton', 'runs', 'rev', 'result.json');
    const result = JSON.parse(await readText(resultFile));
    await writeText(resultFile, JSON.stringify({ ...result, summary: 'Added the contact form.' }));
    await waitFor('the summary to show what the worker says', () => doc.getText().includes('> Added the contact form.'), 15_000);
  });
});
