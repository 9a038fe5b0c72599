// The merge preview on real repositories: made when a task enters review and again when the base moves,
// shown in the review (clean, or which files conflict), and used by an approval only for the exact two
// commits it merged.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunController } from '../../src/core/run/controller';
import { runGates } from '../../src/core/run/gates';
import { currentMergePreview, mergePreviewFile, previewMerge, readMergePreview } from '../../src/core/run/mergePreview';
import { readQueue } from '../../src/core/run/mergeQueue';
import { reviewMarkdown, reviewText } from '../../src/core/run/reviewSummary';
import { finishedTask, queueRepo } from './finishedTasks';
import { git, waitFor } from './workspaceRepo';

const setup = queueRepo;

describe('merge preview', function () {
  this.timeout(30_000);

  it('the review says the work merges cleanly, or which files conflict with the base as it is now', async () => {
    const t = setup('  - {id: a, title: A}\n  - {id: b, title: B}\n');
    await finishedTask(t.repo, 'a', { 'README.md': '# from a\n' });
    await finishedTask(t.repo, 'b', { 'README.md': '# from b\n', 'b.txt': 'b\n' });
    const main = git(t.repo, 'rev-parse', '--short=7', 'main');
    const before = await t.review('b');
    assert.match(reviewMarkdown(before), new RegExp(`Merges cleanly into \`main\` \\(\`${main}\`\\)\\.`));
    assert.match(reviewText(before), /^Merges cleanly into main \(/m);

    // a lands first and touches the same file: b's review now says so, before anyone approves b.
    await t.approve('a');
    assert.equal((await t.process())[0].outcome, 'merged');
    const moved = git(t.repo, 'rev-parse', '--short=7', 'main');
    const after = await t.review('b');
    assert.deepEqual(after.merge?.conflicts, ['README.md']);
    assert.match(reviewMarkdown(after), new RegExp(`\\*\\*⚠ Conflicts with \`main\` \\(\`${moved}\`\\) in \`README\\.md\`\\. Approving stops at this conflict: then resolve it in the editor`));
    assert.match(reviewText(after), /Conflicts with main \(\w+\) in README\.md\. Approving stops at this conflict: rebase baton\/b onto main first, or have its worker do it \(baton changes b "/);
    // What a view shows stands only while both branches are where the preview found them.
    assert.deepEqual(currentMergePreview(t.layout, 'b', 'main'), after.merge);
    git(t.repo, 'commit', '-q', '--allow-empty', '-m', 'main moves on');
    assert.equal(currentMergePreview(t.layout, 'b', 'main'), undefined, 'stale once main moved');
    git(t.repo, 'reset', '-q', '--hard', 'HEAD~1');
    // Nothing moved: the preview is made in the object database only.
    assert.equal(git(t.repo, 'rev-parse', '--short=7', 'main'), moved);
    assert.equal(git(t.repo, 'status', '--porcelain'), '');
  });

  it('an approval commits the previewed tree only when neither branch moved since the preview', async () => {
    const t = setup('  - {id: a, title: A}\n');
    const wt = await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    const preview = (await previewMerge(t.layout, 'a', 'main'))!;
    assert.ok(preview.tree, 'a clean merge has its tree');
    // The branch moves after the preview: the approval merges what the branch holds now.
    writeFileSync(join(wt, 'late.txt'), 'late\n');
    git(wt, 'add', 'late.txt');
    git(wt, 'commit', '-qm', 'late');
    await t.approve('a');
    const prepared = readQueue(t.layout).entries[0].prepared!;
    assert.notEqual(git(t.repo, 'rev-parse', `${prepared.commit}^{tree}`), preview.tree, 'the stale preview was not used');
    assert.equal((await t.process())[0].outcome, 'merged');
    assert.equal(git(t.repo, 'show', 'main:late.txt'), 'late');

    // A current preview is used as it is: the merge commit has its tree, with both parents.
    const u = setup('  - {id: b, title: B}\n');
    await finishedTask(u.repo, 'b', { 'b.txt': 'b\n' });
    const current = (await previewMerge(u.layout, 'b', 'main'))!;
    await u.approve('b');
    const made = readQueue(u.layout).entries[0].prepared!;
    assert.equal(git(u.repo, 'rev-parse', `${made.commit}^{tree}`), current.tree);
    assert.equal((await u.process())[0].outcome, 'merged');
    assert.equal(git(u.repo, 'rev-parse', 'main^{tree}'), current.tree);
    assert.equal(git(u.repo, 'rev-parse', 'main^2'), git(u.repo, 'rev-parse', 'baton/b'));
    assert.equal(git(u.repo, 'log', '-1', '--format=%s', 'main'), 'Merge baton task b: B (baton/b)');

    // The file lies where the task's worker writes: a tree this process did not merge itself is never committed.
    const v = setup('  - {id: c, title: C}\n');
    await finishedTask(v.repo, 'c', { 'c.txt': 'c\n' });
    const recorded = (await previewMerge(v.layout, 'c', 'main'))!;
    const other = git(v.repo, 'rev-parse', 'main^{tree}');
    writeFileSync(mergePreviewFile(v.layout, 'c'), JSON.stringify({ ...recorded, tree: other }));
    await v.approve('c');
    assert.equal(git(v.repo, 'rev-parse', `${readQueue(v.layout).entries[0].prepared!.commit}^{tree}`), recorded.tree, 'merged afresh');
    assert.equal((await v.process())[0].outcome, 'merged');
    assert.equal(git(v.repo, 'show', 'main:c.txt'), 'c');
  });

  it('a half-written or malformed preview is no preview: the approval merges afresh', async () => {
    const t = setup('  - {id: a, title: A}\n');
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    t.layout.ensureRunDir('a');
    writeFileSync(mergePreviewFile(t.layout, 'a'), '{"base": "main", "base_commit": "');
    assert.equal(readMergePreview(t.layout, 'a'), undefined);
    writeFileSync(mergePreviewFile(t.layout, 'a'), JSON.stringify({ base: 'main', base_commit: 'HEAD', branch_commit: 'x', tree: '; rm -rf /' }));
    assert.equal(readMergePreview(t.layout, 'a'), undefined);
    await t.approve('a');
    assert.equal((await t.process())[0].outcome, 'merged');
    assert.equal(git(t.repo, 'show', 'main:a.txt'), 'a');
  });

  it('the run controller makes the preview when a task enters review, and again for the tasks in review once the base moved, by a merge or by anyone', async () => {
    const t = setup('  - {id: a, title: A}\n  - {id: b, title: B}\n');
    const controller = new RunController({
      layout: t.layout,
      store: t.store,
      plan: () => t.plan,
      maxWorkers: () => 2,
      launch: async () => undefined,
      runGates,
      planTask: t.planTask,
      gateResults: () => undefined,
      mergeStyle: () => 'merge',
    });
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    await finishedTask(t.repo, 'b', { 'README.md': '# from b\n' });
    await controller.onWorkerChange('b', t.store.read('b'), 'running');
    const first = readMergePreview(t.layout, 'b');
    assert.equal(first?.base_commit, git(t.repo, 'rev-parse', 'main'));
    assert.deepEqual(first?.conflicts, []);
    await controller.approve('a');
    assert.equal((await controller.processQueue())[0].outcome, 'merged');
    const moved = git(t.repo, 'rev-parse', 'main');
    const again = await waitFor('b previewed on the moved base', () => readMergePreview(t.layout, 'b')?.base_commit === moved && readMergePreview(t.layout, 'b'));
    assert.ok(again.tree);

    // The person commits on main, outside Baton, touching b's file: following the base finds the conflict.
    writeFileSync(join(t.repo, 'README.md'), '# mine\n');
    git(t.repo, 'commit', '-qam', 'my own change');
    await controller.followBase();
    assert.deepEqual(readMergePreview(t.layout, 'b')?.conflicts, ['README.md']);
    assert.equal(readMergePreview(t.layout, 'b')?.base_commit, git(t.repo, 'rev-parse', 'main'));
  });
});
