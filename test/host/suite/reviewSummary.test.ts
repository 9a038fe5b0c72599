// A task in review seen from VS Code: the review summary (Review Task's Markdown document) follows what
// happens after it is opened (gates run from VS Code, result.json rewritten from outside), and turning
// the AI pre-review on reviews a task that was already waiting.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const root = () => folderUri().fsPath;
const worktree = () => folderUri('.baton', 'worktrees', 'rev').fsPath;

/** A finished worker as any agent would leave it: its branch and worktree, and a final heartbeat. */
async function taskInReview(): Promise<void> {
  await writeText(folderUri('baton.yaml'), PLAN);
  const { planSource, workers } = await batonApi();
  await waitFor('the plan to be read', () => planSource.current?.plan.name === 'Review follows');
  execFileSync('git', ['worktree', 'add', '-q', '-b', 'baton/rev', worktree(), 'main'], { cwd: root(), stdio: 'pipe' });
  await writeText(
    folderUri('.baton', 'runs', 'rev', 'heartbeat.json'),
    JSON.stringify({ task_id: 'rev', status: 'done', exit_code: 0, updated_at: new Date().toISOString(), pid: process.pid }),
  );
  await waitFor('rev to be in review', () => workers.taskStates(planSource.current!).get('rev') === 'review');
}

async function removeTask(): Promise<void> {
  try {
    execFileSync('git', ['worktree', 'remove', '--force', worktree()], { cwd: root(), stdio: 'pipe' });
    execFileSync('git', ['branch', '-D', 'baton/rev'], { cwd: root(), stdio: 'pipe' });
  } catch {
    // not made: the test failed before
  }
  await vscode.workspace.fs.delete(folderUri('.baton', 'runs', 'rev'), { recursive: true }).then(undefined, () => undefined);
  await resetWorkspace();
}

describe('Review summary', () => {
  afterEach(removeTask);

  it('an open summary shows the gates once Run Gates finishes, and what result.json says when it changes', async function () {
    this.timeout(60_000);
    await taskInReview();

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

describe('AI pre-review setting', () => {
  const config = () => vscode.workspace.getConfiguration('baton');
  afterEach(async () => {
    await config().update('preReview', undefined, vscode.ConfigurationTarget.Global);
    await config().update('agents', undefined, vscode.ConfigurationTarget.Global);
    await removeTask();
  });

  it('turned on, it reviews a task that was already in review, for its head commit', async function () {
    this.timeout(60_000);
    // The reviewer's side is tested with the real Claude Code CLI elsewhere; here a stand-in answers as
    // its print mode does, so that what is tested is when Baton asks.
    const dir = mkdtempSync(join(tmpdir(), 'baton-reviewer-'));
    const reviewer = join(dir, 'reviewer');
    writeFileSync(reviewer, `#!/bin/sh\necho '{"type":"result","result":"No risks found."}'\n`);
    chmodSync(reviewer, 0o755);
    await config().update('agents', { claude: { command: reviewer } }, vscode.ConfigurationTarget.Global);
    await taskInReview();
    const resultFile = folderUri('.baton', 'runs', 'rev', 'result.json');
    const preReview = async () => {
      try {
        return JSON.parse(await readText(resultFile)).pre_review as { status: string; summary?: string; commit: string } | undefined;
      } catch {
        return undefined;
      }
    };
    assert.equal(await preReview(), undefined, 'off by default: no pre-review');

    await config().update('preReview', true, vscode.ConfigurationTarget.Global);
    const done = await waitFor('the pre-review to be written', async () => {
      const p = await preReview();
      return p?.status === 'done' ? p : undefined;
    }, 30_000);
    assert.equal(done.summary, 'No risks found.');
    assert.equal(done.commit, execFileSync('git', ['rev-parse', 'HEAD'], { cwd: worktree(), encoding: 'utf8' }).trim());
  });
});
