// A worker can rewrite its worktree's `.git` file to name a git folder of its own, whose config runs a
// command whenever git looks at the work tree. Baton's own git commands in that worktree never read that
// file: approval refuses with the file named, and checkpoint and cleanup run nothing there.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpoint } from '../../src/core/git/worktrees';
import { ApprovalRefused } from '../../src/core/run/approve';
import { cleanupAfterMerge } from '../../src/core/run/cleanup';
import { finishedTask, queueRepo } from './finishedTasks';
import { git } from './workspaceRepo';

/** The worker's move: a git folder of its own in the worktree, with a file system monitor that leaves a mark. */
function pointAtOwnGitFolder(repo: string, wt: string, marker: string): void {
  const evil = join(wt, 'evil-git');
  mkdirSync(evil);
  for (const part of ['HEAD', 'objects', 'refs']) cpSync(join(repo, '.git', part), join(evil, part), { recursive: true });
  writeFileSync(join(evil, 'config'), `[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch '${marker}'; false"\n`);
  writeFileSync(join(wt, '.git'), 'gitdir: evil-git\n');
  // The attack is real: a plain `git status` there runs the worker's command.
  execFileSync('git', ['status', '--porcelain'], { cwd: wt, stdio: 'ignore' });
  assert.ok(existsSync(marker), 'git ran the command from the worktree-made config');
  rmSync(marker);
}

describe('a worktree whose .git file the worker changed', () => {
  it('refuses approval, naming the .git file, and runs nothing there', async () => {
    const t = queueRepo('  - {id: a, title: Alpha}\n');
    const wt = await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    writeFileSync(join(wt, 'uncommitted.txt'), 'x\n');
    const marker = join(t.repo, '..', 'approve-marker');
    pointAtOwnGitFolder(t.repo, wt, marker);
    await assert.rejects(t.approve('a'), (e: Error) => e instanceof ApprovalRefused && /worktree's \.git file was changed/.test(e.message) && e.message.includes('evil-git'));
    assert.equal(existsSync(marker), false);
  });

  it('checkpoints nothing and says why', async () => {
    const t = queueRepo('  - {id: a, title: Alpha}\n');
    const wt = await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    writeFileSync(join(wt, 'uncommitted.txt'), 'x\n');
    const marker = join(t.repo, '..', 'checkpoint-marker');
    pointAtOwnGitFolder(t.repo, wt, marker);
    const r = await checkpoint(t.repo, wt, 'checkpoint');
    assert.equal(r.commit, undefined);
    assert.match(r.error ?? '', /\.git file was changed/);
    assert.equal(existsSync(marker), false);
  });

  it('keeps the worktree after the merge and says why, running nothing there', async () => {
    const t = queueRepo('  - {id: a, title: Alpha}\n');
    const wt = await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    await t.approve('a');
    await t.process();
    assert.equal(git(t.repo, 'show', 'main:a.txt'), 'a');
    const marker = join(t.repo, '..', 'cleanup-marker');
    pointAtOwnGitFolder(t.repo, wt, marker);
    const after = await cleanupAfterMerge(t.layout, 'a', { base: 'main', keep: false });
    assert.notEqual(after.outcome, 'removed');
    assert.match('message' in after ? after.message : '', /\.git file was changed/);
    assert.ok(existsSync(wt));
    assert.equal(existsSync(marker), false);
  });

  it('refuses a .git that is a symbolic link, even to the registered folder', async () => {
    const t = queueRepo('  - {id: a, title: Alpha}\n');
    const wt = await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    writeFileSync(join(wt, 'uncommitted.txt'), 'x\n');
    rmSync(join(wt, '.git'));
    symlinkSync(join(t.repo, '.git', 'worktrees', 'a'), join(wt, '.git'));
    await assert.rejects(t.approve('a'), (e: Error) => e instanceof ApprovalRefused && /symbolic link/.test(e.message));
    assert.match((await checkpoint(t.repo, wt, 'checkpoint')).error ?? '', /symbolic link/);
  });
});
