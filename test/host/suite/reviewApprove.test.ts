// Approve Task from a review diff's title bar approves the task that diff shows, though another task has
// the same title (titles need not be unique: a worker's request makes one).
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as vscode from 'vscode';
import { batonApi, folderUri, resetWorkspace, waitFor, writeText } from './testWorkspace';

const IDS = ['alpha-1', 'alpha-2', 'alpha-3'];
// The base is a branch of its own, not checked out: approving moves only that ref, never the workspace's files.
const BASE = 'review-approve-base';
const PLAN = `version: 1
name: Same titles
base: ${BASE}
tasks:
${IDS.map((id) => `  - id: ${id}\n    title: Alpha\n`).join('')}`;

const root = () => folderUri().fsPath;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();
const worktree = (id: string) => folderUri('.baton', 'worktrees', id).fsPath;

describe('Approve Task in a review diff', () => {
  afterEach(async () => {
    for (const id of IDS) {
      spawnSync('git', ['worktree', 'remove', '--force', worktree(id)], { cwd: root() });
      spawnSync('git', ['branch', '-D', `baton/${id}`], { cwd: root() });
      await vscode.workspace.fs.delete(folderUri('.baton', 'runs', id), { recursive: true }).then(undefined, () => undefined);
    }
    spawnSync('git', ['branch', '-D', BASE], { cwd: root() });
    await vscode.workspace.fs.delete(folderUri('.baton', 'queue.json')).then(undefined, () => undefined);
    await resetWorkspace();
  });

  it('approves the task whose diff is shown, not the first task with its title', async function () {
    this.timeout(90_000);
    git(root(), 'branch', BASE, 'main');
    await writeText(folderUri('baton.yaml'), PLAN);
    const { planSource, workers } = await batonApi();
    await waitFor('the plan to be read', () => planSource.current?.plan.name === 'Same titles');
    // Three finished workers, each with a commit of its own; the pid in their heartbeats is one that has ended.
    const ended = spawnSync('true').pid;
    for (const id of IDS) {
      git(root(), 'worktree', 'add', '-q', '-b', `baton/${id}`, worktree(id), BASE);
      await writeText(vscode.Uri.file(`${worktree(id)}/${id}.txt`), `${id}\n`);
      git(worktree(id), 'add', `${id}.txt`);
      git(worktree(id), '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', `Work of ${id}`);
      await writeText(
        folderUri('.baton', 'runs', id, 'heartbeat.json'),
        JSON.stringify({ task_id: id, status: 'done', exit_code: 0, updated_at: new Date().toISOString(), pid: ended }),
      );
    }
    const state = (id: string) => workers.taskStates(planSource.current!).get(id);
    await waitFor('the three tasks in review', () => IDS.every((id) => state(id) === 'review'));
    const approved = (id: string) => state(id) === 'queued' || state(id) === 'approved';
    const diffTab = () => {
      const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label.startsWith('Review: Alpha'));
      return tab && { tab, active: tab.group.activeTab === tab };
    };

    // The second task's review; Approve Task as its title bar runs it, with the diff editor's resource.
    await vscode.commands.executeCommand('baton.reviewTask', 'alpha-2');
    const shown = await waitFor("alpha-2's review diff", diffTab);
    await vscode.window.tabGroups.close(vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t !== shown.tab));
    await waitFor('the diff to be the active editor', () => diffTab()?.active && vscode.window.tabGroups.activeTabGroup.activeTab?.label.startsWith('Review: Alpha'));
    await vscode.commands.executeCommand('baton.approveTask', vscode.Uri.from({ scheme: 'baton-review-diff', path: '/alpha-2' }));
    await waitFor('alpha-2 approved', () => approved('alpha-2'), 30_000);
    assert.equal(state('alpha-1'), 'review', 'the first task with that title is untouched');
    assert.equal(state('alpha-3'), 'review');
    assert.equal(git(root(), 'branch', '--merged', BASE, '--list', 'baton/alpha-1'), '', "alpha-1's work is not on the base");
  });
});
