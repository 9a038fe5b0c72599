// What happens to a task's worktree and branch once its work is merged: one rule for the extension and
// `baton` (cleanup.ts). Removed when the base holds everything; kept, with the files named, when the
// worktree holds files its branch does not; kept whole when the person keeps worktrees.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { approveTask } from '../../src/core/run/approve';
import { cleanupAfterMerge, keepWorktreesFromEnv } from '../../src/core/run/cleanup';
import { discardTask, lossFor } from '../../src/core/run/discard';
import { readEvents } from '../../src/core/run/events';
import { processQueue } from '../../src/core/run/mergeQueue';
import { finishedTask, gates, queueRepo } from './finishedTasks';
import { bundledCli, git, makeRepo, planYaml, runCli, scriptAgent } from './workspaceRepo';

const branchExists = (repo: string, id: string) => git(repo, 'branch', '--list', `baton/${id}`) !== '';

/** A task `a` whose branch was merged in `style`, as the queue does it; `style` is also what cleanup is told. */
async function merged(style: 'merge' | 'squash', files: Record<string, string> = { 'a.txt': 'a\n' }, gitignore?: string) {
  const t = queueRepo('  - {id: a, title: Alpha}\n');
  if (gitignore) {
    writeFileSync(join(t.repo, '.gitignore'), gitignore);
    git(t.repo, 'add', '.gitignore');
    git(t.repo, 'commit', '-qm', 'ignore');
  }
  const wt = await finishedTask(t.repo, 'a', files);
  await approveTask({ layout: t.layout, plan: t.plan, taskId: 'a', states: t.states(), gateResults: undefined, style });
  const styles: (string | undefined)[] = [];
  const [r] = await processQueue({ layout: t.layout, planTask: t.planTask, runGates: gates, cleanup: async (_id, s) => void styles.push(s) });
  assert.equal(r.outcome, 'merged');
  return { ...t, wt, styles };
}

describe('cleanup after a merge', function () {
  this.timeout(30_000);

  it('the queue cleans up with the style the entry was approved with', async () => {
    assert.deepEqual((await merged('squash')).styles, ['squash']);
    assert.deepEqual((await merged('merge')).styles, ['merge']);
  });

  it('squash: removes the worktree and the branch when the base holds everything (build output and caches do not count)', async () => {
    const t = await merged('squash', { 'a.txt': 'a\n' }, 'dist/\nnode_modules/\n*.log\n');
    mkdirSync(join(t.wt, 'dist'));
    writeFileSync(join(t.wt, 'dist', 'bundle.js'), 'built\n');
    writeFileSync(join(t.wt, 'npm-debug.log'), 'log\n');
    const after = await cleanupAfterMerge(t.layout, 'a', { base: 'main', style: 'squash', keep: false });
    assert.deepEqual(after, { outcome: 'removed' });
    assert.ok(!existsSync(t.wt));
    assert.ok(!branchExists(t.repo, 'a'));
  });

  it('squash: keeps a worktree holding a .env the checkpoint left out and a file written after it, says which, and deletes nothing', async () => {
    const t = await merged('squash');
    writeFileSync(join(t.wt, '.env'), 'TOKEN=mine\n');
    writeFileSync(join(t.wt, 'late.txt'), 'written while the gates ran\n');
    writeFileSync(join(t.wt, 'a.txt'), 'changed after the merge\n');
    const after = await cleanupAfterMerge(t.layout, 'a', { base: 'main', style: 'squash', keep: false });
    assert.equal(after.outcome, 'kept');
    assert.ok(after.outcome === 'kept' && !after.setting);
    assert.deepEqual([...after.files].sort(), ['.env', 'a.txt', 'late.txt']);
    assert.match(after.message, /^kept \.baton\/worktrees\/a and its branch: it holds files its branch does not \(.*\.env.*\)\. Copy what you need, then delete it with baton discard a\.$/);
    assert.equal(readFileSync(join(t.wt, '.env'), 'utf8'), 'TOKEN=mine\n');
    assert.equal(readFileSync(join(t.wt, 'late.txt'), 'utf8'), 'written while the gates ran\n');
    assert.ok(branchExists(t.repo, 'a'));
    const kept = readEvents(t.layout.events('a')).filter((e) => e.type === 'worktree_kept');
    assert.equal(kept.length, 1);

    // Deleting it afterwards (Discard): the task stays approved, and nothing merged counts as lost.
    const loss = await lossFor(t.layout, 'a', 'main');
    assert.deepEqual(loss.commits, [], 'its commits are on the base, squashed');
    await discardTask(t.layout, 'a', 'main');
    assert.ok(!existsSync(t.wt));
    assert.ok(!branchExists(t.repo, 'a'));
    assert.equal(t.states().get('a'), 'approved');
  });

  it('keeps an ignored secret unless it is the same file as in the main checkout', async () => {
    const t = await merged('merge', { 'a.txt': 'a\n' }, '.env\n');
    writeFileSync(join(t.repo, '.env'), 'TOKEN=person\n');
    writeFileSync(join(t.wt, '.env'), 'TOKEN=person\n');
    assert.deepEqual(await cleanupAfterMerge(t.layout, 'a', { base: 'main', style: 'merge', keep: false }), { outcome: 'removed' }, 'a copy of the person\'s own .env');

    const u = await merged('merge', { 'a.txt': 'a\n' }, '.env\n');
    writeFileSync(join(u.wt, '.env'), 'TOKEN=set-up-here\n');
    const after = await cleanupAfterMerge(u.layout, 'a', { base: 'main', style: 'merge', keep: false });
    assert.ok(after.outcome === 'kept' && !after.setting && after.files.includes('.env'), JSON.stringify(after));
    assert.ok(existsSync(join(u.wt, '.env')));
  });

  it('keep: the worktree and the branch both stay, whatever they hold', async () => {
    const t = await merged('merge');
    assert.deepEqual(await cleanupAfterMerge(t.layout, 'a', { base: 'main', style: 'merge', keep: true }), { outcome: 'kept', setting: true });
    assert.ok(existsSync(t.wt));
    assert.ok(branchExists(t.repo, 'a'));
    assert.equal(keepWorktreesFromEnv({ BATON_KEEP_WORKTREES: '1' }), true);
    assert.equal(keepWorktreesFromEnv({}), false);
  });

  it('a squashed branch cleaned up as a merge would lose commits: nothing is removed', async () => {
    const t = await merged('squash');
    const after = await cleanupAfterMerge(t.layout, 'a', { base: 'main', style: 'merge', keep: false });
    assert.equal(after.outcome, 'failed');
    assert.ok(existsSync(t.wt));
    assert.ok(branchExists(t.repo, 'a'));
  });
});

describe('cleanup after a merge, through the baton command', function () {
  this.timeout(60_000);
  before(async () => {
    await bundledCli();
  });

  it('squash: a worktree holding a .env the checkpoint left out is kept, named, and deleted only by baton discard', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const run = await runCli(repo, ['run'], scriptAgent('echo w > w.txt; git add w.txt; git commit -qm w; echo TOKEN=mine > .env'));
    assert.equal(run.status, 0, run.stderr);
    const approved = await runCli(repo, ['approve', 'a'], { BATON_MERGE_STYLE: 'squash' });
    assert.equal(approved.status, 0, approved.stderr);
    assert.match(approved.stderr, /baton: a merged; kept \.baton\/worktrees\/a and its branch: it holds a file its branch does not \(\.env\)\. Copy what you need, then delete it with baton discard a\./);
    const wt = join(repo, '.baton/worktrees/a');
    assert.equal(readFileSync(join(wt, '.env'), 'utf8'), 'TOKEN=mine\n');
    assert.equal(git(repo, 'show', 'main:w.txt'), 'w');

    const discarded = await runCli(repo, ['discard', 'a', '--yes']);
    assert.equal(discarded.status, 0, discarded.stderr);
    assert.match(discarded.stdout, /losing 1 uncommitted file \(\.env\)/);
    assert.match(discarded.stdout, /Removed the worktree and branch of "a"; its work is merged, and it stays approved\./);
    assert.ok(!existsSync(wt));
    assert.equal(git(repo, 'branch', '--list', 'baton/a'), '');
    assert.equal(JSON.parse((await runCli(repo, ['status', '--json'])).stdout)[0].state, 'approved');
  });

  it('BATON_KEEP_WORKTREES=1 keeps the worktree and the branch, as the setting does in the editor', async () => {
    const repo = makeRepo(planYaml('  - {id: a, title: A}\n'));
    const run = await runCli(repo, ['run'], scriptAgent('echo w > w.txt; git add w.txt; git commit -qm w'));
    assert.equal(run.status, 0, run.stderr);
    const approved = await runCli(repo, ['approve', 'a'], { BATON_KEEP_WORKTREES: '1' });
    assert.equal(approved.status, 0, approved.stderr);
    assert.equal(git(repo, 'show', 'main:w.txt'), 'w');
    assert.ok(existsSync(join(repo, '.baton/worktrees/a/w.txt')), 'the worktree is kept');
    assert.notEqual(git(repo, 'branch', '--list', 'baton/a'), '', 'the branch is kept');
  });
});
