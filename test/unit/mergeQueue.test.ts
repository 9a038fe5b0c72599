// The merge queue on real repositories: approve → queued → merged onto the base through a scratch tree,
// gates on the merged tree, compare-and-swap on the base ref, the person's working tree moved only when
// their uncommitted changes are not in the way, conflicts that change nothing, and recovery after a kill.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { ApprovalRefused, approveTask } from '../../src/core/run/approve';
import { readEvents } from '../../src/core/run/events';
import { finishResolution, queueFile, readQueue, recoverQueue, startResolution } from '../../src/core/run/mergeQueue';
import { gatesStale, runTaskGates } from '../../src/core/run/gates';
import { readResult } from '../../src/core/run/result';
import { gatherReview, gatesVerdict, reviewMarkdown } from '../../src/core/run/reviewSummary';
import { finishedTask, gates, queueRepo } from './finishedTasks';
import { git } from './workspaceRepo';

const setup = queueRepo;

/** Every byte git or the person could care about: refs, index files, and each working tree's files and status. */
function snapshot(repo: string, trees: string[]): string {
  const h = createHash('sha256');
  h.update(git(repo, 'for-each-ref', '--format=%(refname) %(objectname)'));
  for (const dir of trees) {
    h.update(`\0${dir}\0${git(dir, 'status', '--porcelain', '--untracked-files=all')}`);
    h.update(readFileSync(join(git(dir, 'rev-parse', '--absolute-git-dir'), 'index')));
    const walk = (d: string) => {
      for (const name of readdirSync(d).sort()) {
        const p = join(d, name);
        if (name === '.git' || name === '.baton') continue;
        if (statSync(p).isDirectory()) walk(p);
        else h.update(`${relative(dir, p)}\0`).update(readFileSync(p));
      }
    };
    walk(dir);
  }
  return h.digest('hex');
}

describe('merge queue', function () {
  this.timeout(30_000);

  it('approve merges the branch onto the base, moves the checked-out base, keeps the person\'s changes, and readies dependents', async () => {
    const t = setup('  - {id: a, title: Alpha}\n  - {id: b, title: B, deps: [a]}\n');
    await finishedTask(t.repo, 'a', { 'a.txt': 'alpha\n' });
    writeFileSync(join(t.repo, 'README.md'), '# demo\nmine, not committed\n');
    writeFileSync(join(t.repo, 'scratch.txt'), 'untracked\n');
    assert.equal(await t.approve('a'), 0);
    assert.equal(t.states().get('a'), 'queued');
    const [r] = await t.process();
    assert.equal(r.outcome, 'merged');
    assert.equal(git(t.repo, 'rev-parse', 'main'), (r as { commit: string }).commit);
    assert.equal(git(t.repo, 'log', '-1', '--format=%s%n%P', 'main').split('\n')[0], 'Merge baton task a: Alpha (baton/a)');
    assert.equal(git(t.repo, 'rev-parse', 'main^2'), git(t.repo, 'rev-parse', 'baton/a'));
    assert.equal(readFileSync(join(t.repo, 'a.txt'), 'utf8'), 'alpha\n', 'the checked-out base moved forward');
    assert.equal(readFileSync(join(t.repo, 'README.md'), 'utf8'), '# demo\nmine, not committed\n', 'uncommitted change kept');
    assert.equal(git(t.repo, 'status', '--porcelain'), 'M README.md\n?? scratch.txt', 'exactly the person\'s own changes, nothing staged');
    assert.deepEqual(readEvents(t.layout.events('a')).map((e) => e.type).slice(-3), ['queued', 'merged', 'approved']);
    assert.equal(t.states().get('a'), 'approved');
    assert.equal(t.states().get('b'), 'ready');
    assert.deepEqual(t.cleaned, ['a']);
    assert.deepEqual(readQueue(t.layout).entries, []);
  });

  it('a conflict changes nothing: base, every index and every working tree stay byte-for-byte; the files are listed', async () => {
    const t = setup('  - {id: a, title: A}\n  - {id: b, title: B}\n');
    await finishedTask(t.repo, 'a', { 'README.md': '# from a\n' });
    const wtB = await finishedTask(t.repo, 'b', { 'README.md': '# from b\n', 'b.txt': 'b\n' });
    writeFileSync(join(t.repo, 'notes.txt'), 'person\n');
    await t.approve('a');
    assert.equal((await t.process())[0].outcome, 'merged');
    const trees = [t.repo, wtB, join(t.layout.dir, 'worktrees', 'a')].filter(existsSync);
    const before = snapshot(t.repo, trees);
    await t.approve('b');
    const [r] = await t.process();
    assert.deepEqual(r, { task: 'b', outcome: 'conflict', files: ['README.md'] });
    assert.equal(snapshot(t.repo, trees), before);
    const view = t.store.read('b')!.view;
    assert.equal(view.state, 'conflict');
    assert.match(view.reason!, /README\.md/);
    assert.deepEqual(readQueue(t.layout).entries, [], 'the queue goes on without it');
  });

  it('Resolve in editor: the conflict is laid out apart from everything; the resolution continues the queue and lands', async () => {
    const t = setup('  - {id: a, title: A}\n  - {id: b, title: B}\n');
    await finishedTask(t.repo, 'a', { 'README.md': '# from a\n' });
    await finishedTask(t.repo, 'b', { 'README.md': '# from b\n' });
    await t.approve('a');
    await t.approve('b');
    assert.deepEqual((await t.process()).map((r) => r.outcome), ['merged', 'conflict']);
    const main = git(t.repo, 'rev-parse', 'main');
    const { dir, files } = await startResolution(t.layout, 'b', 'main');
    assert.deepEqual(files, ['README.md']);
    assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /^<<<<<<< /m);
    assert.equal(git(t.repo, 'rev-parse', 'main'), main, 'the base did not move');
    assert.equal(git(t.repo, 'status', '--porcelain'), '');
    await assert.rejects(finishResolution(t.layout, { task: 'b', base: 'main', gates: [], style: 'merge' }), /not resolved yet: README\.md/);
    writeFileSync(join(dir, 'README.md'), '# from a and b\n');
    await finishResolution(t.layout, { task: 'b', base: 'main', gates: [], style: 'merge' });
    assert.equal(t.store.read('b')!.view.state, 'queued');
    assert.equal(git(t.layout.worktree('b'), 'status', '--porcelain'), '', "the task's worktree moved with its branch");
    assert.equal(git(t.layout.worktree('b'), 'show', 'HEAD:README.md'), '# from a and b');
    assert.deepEqual((await t.process()).map((r) => r.outcome), ['merged']);
    assert.equal(git(t.repo, 'show', 'main:README.md'), '# from a and b');
    assert.equal(readFileSync(join(t.repo, 'README.md'), 'utf8'), '# from a and b\n');
    assert.ok(!existsSync(dir), 'the resolution tree is gone');
  });

  it('an approval that would overwrite the person\'s uncommitted changes is refused with their names; nothing changes', async () => {
    const t = setup('  - {id: a, title: A}\n');
    await finishedTask(t.repo, 'a', { 'README.md': '# from a\n', 'new.txt': 'n\n' });
    writeFileSync(join(t.repo, 'README.md'), '# my edit\n');
    const before = snapshot(t.repo, [t.repo]);
    await t.approve('a');
    const [r] = await t.process();
    assert.equal(r.outcome, 'refused');
    assert.deepEqual((r as { files: string[] }).files, ['README.md']);
    assert.equal(snapshot(t.repo, [t.repo]), before);
    const view = t.store.read('a')!.view;
    assert.equal(view.state, 'review');
    assert.match(view.reason!, /uncommitted changes there are in the way of the merge: README\.md/);
  });

  it('gates: failing or missing results block approval, passing allow it, "approve anyway" is recorded', async () => {
    const t = setup('  - {id: a, title: A, gates: ["test -f a.txt"]}\n');
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    await assert.rejects(t.approve('a'), (e: Error) => e instanceof ApprovalRefused && /have not been run/.test(e.message));
    await assert.rejects(t.approve('a', false, [{ command: 'test -f a.txt', exit_code: 1 }]), /gates that have not passed: test -f a\.txt/);
    assert.equal(await t.approve('a', false, [{ command: 'test -f a.txt', exit_code: 0 }]), 0);
    assert.equal((await t.process())[0].outcome, 'merged');

    const u = setup('  - {id: a, title: A, gates: ["true"]}\n');
    await finishedTask(u.repo, 'a', { 'a.txt': 'a\n' });
    await u.approve('a', true);
    assert.equal(readEvents(u.layout.events('a')).find((e) => e.type === 'queued')?.forced, true);
    assert.equal(readResult(u.layout, 'a')?.approved_anyway, true);
  });

  it('gates that pass on each branch but fail on the merged tree: integration failed, base unmoved, output kept', async () => {
    const gate = 'test ! -f a.txt || test ! -f b.txt';
    const t = setup(`  - {id: a, title: A, gates: ["${gate}"]}\n  - {id: b, title: B, gates: ["${gate}"]}\n`);
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    await finishedTask(t.repo, 'b', { 'b.txt': 'b\n' });
    const ok = [{ command: gate, exit_code: 0 }];
    await t.approve('a', false, ok);
    await t.approve('b', false, ok);
    const results = await t.process();
    assert.deepEqual(results.map((r) => r.outcome), ['merged', 'integration_failed']);
    const main = git(t.repo, 'rev-parse', 'main');
    assert.equal(git(t.repo, 'rev-parse', 'main^2'), git(t.repo, 'rev-parse', 'baton/a'), 'only a merged');
    assert.equal(t.store.read('b')!.view.state, 'integration_failed');
    const failed = readEvents(t.layout.events('b')).find((e) => e.type === 'integration_failed')!;
    const g = (failed.gates as { exit_code: number; output_file?: string }[])[0];
    assert.notEqual(g.exit_code, 0);
    assert.ok(g.output_file && existsSync(g.output_file), 'the output is kept in a file');
    assert.equal(git(t.repo, 'rev-parse', 'main'), main);
  });

  it('tasks approved together merge one by one in queue order, each re-tested on the moved base', async () => {
    const t = setup('  - {id: a, title: A}\n  - {id: b, title: B}\n  - {id: c, title: C}\n');
    for (const id of ['c', 'a', 'b']) await finishedTask(t.repo, id, { [`${id}.txt`]: id });
    for (const id of ['c', 'a', 'b']) await t.approve(id);
    const results = await t.process();
    assert.deepEqual(results.map((r) => r.task), ['c', 'a', 'b']);
    const firstParents = git(t.repo, 'log', '--first-parent', '--format=%s', 'main').split('\n');
    assert.deepEqual(firstParents.slice(0, 3), ['Merge baton task b: B (baton/b)', 'Merge baton task a: A (baton/a)', 'Merge baton task c: C (baton/c)']);
  });

  it('squash style: one commit per task on the base, parent the old tip', async () => {
    const t = setup('  - {id: a, title: Alpha}\n');
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n', 'a2.txt': 'a2\n' });
    const old = git(t.repo, 'rev-parse', 'main');
    await approveTask({ layout: t.layout, plan: t.plan, taskId: 'a', states: t.states(), gateResults: undefined, style: 'squash' });
    assert.equal((await t.process())[0].outcome, 'merged');
    assert.equal(git(t.repo, 'log', '-1', '--format=%P %s', 'main'), `${old} a: Alpha (baton task, squashed from baton/a)`);
    assert.equal(git(t.repo, 'show', 'main:a2.txt'), 'a2');
  });

  it('a run killed after moving the base is finished on the next start; one killed before it is undone and merged from the top', async () => {
    const t = setup('  - {id: a, title: A}\n  - {id: b, title: B}\n');
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    await finishedTask(t.repo, 'b', { 'b.txt': 'b\n' });
    await t.approve('a');
    await t.approve('b');
    // As if killed right after the compare-and-swap: base moved, the checked-out tree not yet.
    const old = git(t.repo, 'rev-parse', 'main');
    const tree = git(t.repo, 'merge-tree', '--write-tree', 'main', 'baton/a');
    const merged = git(t.repo, 'commit-tree', tree, '-p', old, '-p', 'baton/a', '-m', 'Merge a');
    git(t.repo, 'update-ref', 'refs/heads/main', merged, old);
    const q = readQueue(t.layout);
    await writeFileAtomic(queueFile(t.layout), JSON.stringify({ ...q, current: { task: 'a', base: 'main', old, new: merged } }));
    const recovered = await recoverQueue({ layout: t.layout, planTask: t.planTask, runGates: gates });
    assert.deepEqual(recovered.map((r) => [r.task, r.outcome]), [['a', 'merged']]);
    assert.equal(git(t.repo, 'status', '--porcelain'), '', 'the checked-out tree caught up with the base');
    assert.ok(existsSync(join(t.repo, 'a.txt')));
    assert.equal(t.store.read('a')!.view.state, 'approved');
    // Killed after moving the checked-out tree but before the swap: the tree is put back, `current` is
    // forgotten, and b is merged again from the top.
    const treeB = git(t.repo, 'merge-tree', '--write-tree', 'main', 'baton/b');
    const mergedB = git(t.repo, 'commit-tree', treeB, '-p', merged, '-p', 'baton/b', '-m', 'Merge b');
    git(t.repo, 'read-tree', '-m', '-u', merged, mergedB);
    assert.ok(existsSync(join(t.repo, 'b.txt')));
    const q2 = readQueue(t.layout);
    await writeFileAtomic(queueFile(t.layout), JSON.stringify({ ...q2, current: { task: 'b', base: 'main', old: merged, new: mergedB } }));
    assert.deepEqual(await recoverQueue({ layout: t.layout, planTask: t.planTask, runGates: gates }), []);
    assert.equal(git(t.repo, 'status', '--porcelain'), '', 'the tree is back where the base is');
    assert.ok(!existsSync(join(t.repo, 'b.txt')));
    const results = await t.process();
    assert.deepEqual(results.map((r) => [r.task, r.outcome]), [['b', 'merged']]);
    assert.equal(git(t.repo, 'rev-parse', 'main^1'), merged);
    assert.equal(readQueue(t.layout).current, undefined);
  });

  it('a merge prepared at approval lands only if neither side moved since: a base moved by someone else is merged onto afresh', async () => {
    const t = setup('  - {id: a, title: A}\n');
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    await t.approve('a');
    const prepared = readQueue(t.layout).entries[0].prepared;
    assert.ok(prepared, 'the merge was computed during approval');
    assert.equal(prepared.base, git(t.repo, 'rev-parse', 'main'));
    // The person commits on main before the queue runs: the prepared merge must not land over it.
    writeFileSync(join(t.repo, 'mine.txt'), 'mine\n');
    git(t.repo, 'add', 'mine.txt');
    git(t.repo, 'commit', '-qm', 'my own commit');
    const mine = git(t.repo, 'rev-parse', 'main');
    const [r] = await t.process();
    assert.equal(r.outcome, 'merged');
    assert.notEqual((r as { commit: string }).commit, prepared.commit);
    assert.equal(git(t.repo, 'rev-parse', 'main^1'), mine, 'merged onto the moved base');
    assert.deepEqual(git(t.repo, 'ls-tree', '--name-only', 'main').split('\n').filter((f) => /^(a|mine)\.txt$/.test(f)), ['a.txt', 'mine.txt']);

    // Same for the branch: a commit after approval is merged with it, not left out.
    const u = setup('  - {id: b, title: B}\n');
    const wtB = await finishedTask(u.repo, 'b', { 'b.txt': 'b\n' });
    await u.approve('b');
    assert.ok(readQueue(u.layout).entries[0].prepared);
    writeFileSync(join(wtB, 'late.txt'), 'late\n');
    git(wtB, 'add', 'late.txt');
    git(wtB, 'commit', '-qm', 'late commit');
    assert.equal((await u.process())[0].outcome, 'merged');
    assert.equal(git(u.repo, 'rev-parse', 'main^2'), git(u.repo, 'rev-parse', 'baton/b'));
    assert.equal(git(u.repo, 'show', 'main:late.txt'), 'late');
  });

  it('reads branch tips from packed refs as well as loose ones, and approves uncommitted work in the worktree with the branch', async () => {
    const t = setup('  - {id: a, title: A}\n');
    const wt = await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    git(t.repo, 'pack-refs', '--all');
    assert.ok(!existsSync(join(t.repo, '.git', 'refs', 'heads', 'main')), 'main is only in packed-refs now');
    writeFileSync(join(wt, 'extra.txt'), 'uncommitted\n');
    await t.approve('a');
    assert.equal(readQueue(t.layout).entries[0].prepared, undefined, 'the branch gained a checkpoint: nothing prepared is used');
    const [r] = await t.process();
    assert.equal(r.outcome, 'merged');
    assert.equal(git(t.repo, 'show', 'main:extra.txt'), 'uncommitted');
    assert.equal(git(t.repo, 'show', 'main:a.txt'), 'a');
  });

  it('gates that ran on an older state of the work are stale: shown so in the review, and they do not satisfy Approve (approve anyway still can)', async () => {
    const gate = 'test -f a.txt && touch gate-report.txt';
    const t = setup(`  - {id: a, title: A, gates: ["${gate}"]}\n`);
    const wt = await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    const task = t.plan.tasks[0];
    const approveWithRecorded = (force = false) => t.approve('a', force, readResult(t.layout, 'a')?.gates as { command: string; exit_code: number }[]);
    const summary = async () => reviewMarkdown(await gatherReview(t.layout, task, 'main', 'review'));

    await runTaskGates(t.layout, 'a', [gate]);
    assert.equal(readResult(t.layout, 'a')?.gates_commit, git(wt, 'rev-parse', 'HEAD'));
    assert.equal(await gatesStale(t.layout, 'a', readResult(t.layout, 'a')), undefined, 'what the gate wrote itself does not make its own result stale');
    assert.doesNotMatch(await summary(), /Stale/);

    // A commit after the gates ran: stale.
    writeFileSync(join(wt, 'a.txt'), 'a, changed\n');
    git(wt, 'commit', '-qam', 'change after the gates');
    const stale = await gatesStale(t.layout, 'a', readResult(t.layout, 'a'));
    assert.match(stale ?? '', /ran on commit [0-9a-f]{7}, and the branch is at [0-9a-f]{7} now/);
    assert.match(await summary(), /\*\*⚠ Stale:\*\* they ran on commit/);
    assert.match(gatesVerdict(task, readResult(t.layout, 'a'), stale), /^stale, run them again/);
    await assert.rejects(approveWithRecorded(), (e: Error) => e instanceof ApprovalRefused && e.gatesOnly && /passed its gates, but not on its work as it is now/.test(e.message));
    assert.deepEqual(readQueue(t.layout).entries, [], 'nothing queued');

    // Run again: fresh. Then an uncommitted edit: stale again, until the gates run on it.
    await runTaskGates(t.layout, 'a', [gate]);
    assert.equal(await gatesStale(t.layout, 'a', readResult(t.layout, 'a')), undefined);
    writeFileSync(join(wt, 'a.txt'), 'a, edited by the person\n');
    assert.match((await gatesStale(t.layout, 'a', readResult(t.layout, 'a'))) ?? '', /uncommitted changes in its worktree changed/);
    await assert.rejects(approveWithRecorded(), /not on its work as it is now/);
    await runTaskGates(t.layout, 'a', [gate]);
    assert.equal(await gatesStale(t.layout, 'a', readResult(t.layout, 'a')), undefined, 'the gates ran on the edit');
    writeFileSync(join(wt, 'a.txt'), 'a, edited once more\n');
    // Approve anyway goes through, and is recorded as such.
    assert.equal(await approveWithRecorded(true), 0);
    assert.equal(readEvents(t.layout.events('a')).find((e) => e.type === 'queued')?.forced, true);
    assert.equal(readResult(t.layout, 'a')?.approved_anyway, true);
    assert.equal((await t.process())[0].outcome, 'merged');
    assert.equal(git(t.repo, 'show', 'main:a.txt'), 'a, edited once more');
  });
});
