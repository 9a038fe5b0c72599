// The base moves only the way the person saw it, and nothing is lost when something gets in the way: a
// base reset or a branch switched while the gates run, a git lock file held by another git command, a
// lost processor lock, and `baton` killed (SIGKILL) at each step of an approval.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { readEvents } from '../../src/core/run/events';
import { processQueue, readQueue } from '../../src/core/run/mergeQueue';
import { finishedTask, gates, queueRepo } from './finishedTasks';
import { git, runCli, spawnCli, waitFor } from './workspaceRepo';

/** A gate that counts its runs, says it started, and waits until the test lets it go. */
function waitingGate(): { command: string; started: string; go: string; runs: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'baton-gate-'));
  const started = join(dir, 'gate-started');
  const go = join(dir, 'gate-go');
  const log = join(dir, 'gate-runs');
  return {
    command: `echo run >> ${log}; touch ${started}; while [ ! -f ${go} ]; do sleep 0.05; done`,
    started,
    go,
    runs: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').length : 0),
  };
}

/** Sets the test-only pause of mergeQueue.ts (testPause.ts) for this process; returns how to clear it. */
function pauseAt(step: string, file: string): () => void {
  process.env.BATON_TEST_PAUSE_AT = step;
  process.env.BATON_TEST_PAUSE_FILE = file;
  return () => {
    delete process.env.BATON_TEST_PAUSE_AT;
    delete process.env.BATON_TEST_PAUSE_FILE;
  };
}

/** What the person has in their checkout: status, index entries, and every file's bytes (not .git/.baton). */
function personState(dir: string): { status: string; index: string; files: Record<string, string> } {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (name === '.git' || name === '.baton') continue;
      if (statSync(p).isDirectory()) walk(p);
      else files[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return { status: git(dir, 'status', '--porcelain=v2', '--untracked-files=all'), index: git(dir, 'ls-files', '-s'), files };
}

/** The person's own uncommitted work: a modified file, a staged new file, an untracked file. */
function personsWork(repo: string): void {
  writeFileSync(join(repo, 'README.md'), '# demo\nmine, not committed\n');
  writeFileSync(join(repo, 'staged.txt'), 'staged, not committed\n');
  git(repo, 'add', 'staged.txt');
  writeFileSync(join(repo, 'untracked.txt'), 'untracked\n');
}

const mergesOf = (repo: string, task: string) => git(repo, 'log', '--first-parent', '--format=%s', 'main').split('\n').filter((s) => s.includes(`(baton/${task})`)).length;

describe('merge safety: the base moves only the way the person saw it', function () {
  this.timeout(60_000);
  afterEach(() => {
    delete process.env.BATON_TEST_PAUSE_AT;
    delete process.env.BATON_TEST_PAUSE_FILE;
  });

  it('a base reset (git reset --hard HEAD~1) during the gates: the dropped commit does not come back; merged onto the new base after the gates ran again', async () => {
    const gate = waitingGate();
    const t = queueRepo('  - {id: a, title: A}\n', `  gates: ["${gate.command}"]\n`);
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    const start = git(t.repo, 'rev-parse', 'main');
    writeFileSync(join(t.repo, 'dropped.txt'), 'dropped\n');
    git(t.repo, 'add', 'dropped.txt');
    git(t.repo, 'commit', '-qm', 'a commit the person will drop');
    writeFileSync(join(t.repo, 'untracked.txt'), 'mine\n');
    await t.approve('a', true);
    const processing = t.process();
    await waitFor('the gates on the merged tree', () => existsSync(gate.started));
    git(t.repo, 'reset', '-q', '--hard', 'HEAD~1');
    writeFileSync(gate.go, '');
    const results = await processing;
    assert.deepEqual(results.map((r) => r.outcome), ['merged']);
    assert.equal(git(t.repo, 'rev-parse', 'main^1'), start, 'merged onto the base as the person left it');
    assert.equal(spawnSync('git', ['cat-file', '-e', 'main:dropped.txt'], { cwd: t.repo }).status, 128, 'the dropped commit did not come back');
    assert.ok(!existsSync(join(t.repo, 'dropped.txt')));
    assert.equal(gate.runs(), 2, 'the gates ran again on the new merge');
    assert.equal(readFileSync(join(t.repo, 'a.txt'), 'utf8'), 'a\n');
    assert.equal(git(t.repo, 'status', '--porcelain'), '?? untracked.txt');
    assert.equal(mergesOf(t.repo, 'a'), 1);
  });

  it('a branch switched just before the base moves: the other branch and the person\'s tree are not touched; the base moves by its ref alone', async () => {
    const t = queueRepo('  - {id: a, title: A}\n');
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    git(t.repo, 'branch', 'other');
    const old = git(t.repo, 'rev-parse', 'main');
    writeFileSync(join(t.repo, 'untracked.txt'), 'mine\n');
    await t.approve('a');
    const marker = join(mkdtempSync(join(tmpdir(), 'baton-pause-')), 'paused');
    pauseAt('before-move', marker);
    const processing = t.process();
    await waitFor('the queue about to move the base', () => existsSync(marker));
    git(t.repo, 'switch', '-q', 'other');
    const before = personState(t.repo);
    unlinkSync(marker);
    const results = await processing;
    assert.deepEqual(results.map((r) => r.outcome), ['merged']);
    assert.equal(git(t.repo, 'rev-parse', 'other'), old, 'the branch the person switched to did not move');
    assert.equal(git(t.repo, 'symbolic-ref', 'HEAD'), 'refs/heads/other');
    assert.equal(git(t.repo, 'rev-parse', 'main^1'), old);
    assert.equal(git(t.repo, 'rev-parse', 'main^2'), git(t.repo, 'rev-parse', 'baton/a'));
    assert.deepEqual(personState(t.repo), before, "the person's tree and index are as they left them");
    assert.ok(!existsSync(join(t.repo, 'a.txt')));
  });

  it('index.lock held by another git command during the fast-forward: "waiting for git", then the merge lands without a second approval', async () => {
    const t = queueRepo('  - {id: a, title: A}\n');
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    await t.approve('a');
    const lock = join(t.repo, '.git', 'index.lock');
    writeFileSync(lock, '');
    const processing = t.process();
    const view = await waitFor('the task to say it waits for git', () => {
      const v = t.store.read('a')?.view;
      return v?.activity?.startsWith('Waiting for git') && v;
    });
    assert.equal(view.state, 'queued');
    assert.match(view.activity!, /index\.lock/);
    assert.deepEqual(readQueue(t.layout).entries.map((e) => e.task), ['a'], 'still queued');
    await new Promise((r) => setTimeout(r, 300));
    unlinkSync(lock);
    const results = await processing;
    assert.deepEqual(results.map((r) => r.outcome), ['merged']);
    assert.equal(readFileSync(join(t.repo, 'a.txt'), 'utf8'), 'a\n');
    assert.equal(git(t.repo, 'status', '--porcelain'), '');
    assert.equal(t.store.read('a')!.view.state, 'approved');
    assert.ok(readEvents(t.layout.events('a')).some((e) => e.type === 'merge_waiting'));
  });

  it('a git lock file that stays: refused with the lock file named, and nothing changed', async () => {
    const t = queueRepo('  - {id: a, title: A}\n');
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    personsWork(t.repo);
    await t.approve('a');
    const lock = join(t.repo, '.git', 'index.lock');
    writeFileSync(lock, '');
    const before = personState(t.repo);
    const main = git(t.repo, 'rev-parse', 'main');
    const [r] = await processQueue({ layout: t.layout, planTask: t.planTask, runGates: gates, gitLockWaitMs: 600 });
    unlinkSync(lock);
    assert.equal(r.outcome, 'refused');
    assert.match((r as { message: string }).message, /lock file .*index\.lock stayed in place.*delete that file, then approve again/);
    assert.equal(git(t.repo, 'rev-parse', 'main'), main);
    assert.deepEqual(personState(t.repo), before);
  });

  it('a lost processor lock (taken over while the gates ran) ends the pass before the base moves; the entry stays queued and merges once later', async () => {
    const gate = waitingGate();
    const t = queueRepo('  - {id: a, title: A}\n', `  gates: ["${gate.command}"]\n`);
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    await t.approve('a', true);
    const main = git(t.repo, 'rev-parse', 'main');
    const processing = processQueue({ layout: t.layout, planTask: t.planTask, runGates: gates });
    await waitFor('the gates on the merged tree', () => existsSync(gate.started));
    // Another processor takes the lock over (as after a stall longer than its stale time).
    const lockDir = join(t.layout.dir, 'merge.lock');
    rmSync(lockDir, { recursive: true });
    mkdirSync(lockDir);
    await new Promise((r) => setTimeout(r, 3000)); // one refresh of the lock: it is found lost
    writeFileSync(gate.go, '');
    assert.deepEqual(await processing, []);
    assert.equal(git(t.repo, 'rev-parse', 'main'), main, 'the base did not move');
    assert.deepEqual(readQueue(t.layout).entries.map((e) => e.task), ['a'], 'still queued');
    assert.ok(existsSync(lockDir), "the other processor's lock is left alone");
    rmSync(lockDir, { recursive: true });
    assert.deepEqual((await processQueue({ layout: t.layout, planTask: t.planTask, runGates: gates })).map((r) => r.outcome), ['merged']);
    assert.equal(mergesOf(t.repo, 'a'), 1);
  });
});

/** Every step of an approval a `baton approve` can be killed at (testPause.ts), and where the base may be then. */
const KILL_POINTS: { step: string; base: 'old' | 'merge' }[] = [
  { step: 'queued', base: 'old' },
  { step: 'merge-commit', base: 'old' },
  { step: 'before-move', base: 'old' },
  { step: 'tree-moved', base: 'old' },
  { step: 'ref-moved', base: 'merge' },
  { step: 'cleanup', base: 'merge' },
];

describe('merge safety: baton killed (SIGKILL) at each step of an approval loses nothing', function () {
  this.timeout(90_000);

  for (const { step, base } of KILL_POINTS) {
    it(`killed at "${step}": the base is at the old commit or at the merge, the next run finishes it once, and the person's tree and index are untouched`, async () => {
      const t = queueRepo('  - {id: a, title: A}\n  - {id: b, title: B}\n');
      await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
      await finishedTask(t.repo, 'b', { 'b.txt': 'b\n' });
      personsWork(t.repo);
      const before = personState(t.repo);
      const old = git(t.repo, 'rev-parse', 'main');
      const branch = git(t.repo, 'rev-parse', 'baton/a');
      const marker = join(mkdtempSync(join(tmpdir(), 'baton-pause-')), 'paused');

      const approving = await spawnCli(t.repo, ['approve', 'a'], { BATON_TEST_PAUSE_AT: step, BATON_TEST_PAUSE_FILE: marker });
      const exited = new Promise((r) => approving.once('exit', r));
      let output = '';
      approving.stderr!.on('data', (d) => (output += d));
      await waitFor(`baton approve to reach "${step}"`, () => existsSync(marker) || (approving.exitCode !== null && assert.fail(output)), 60_000);
      approving.kill('SIGKILL');
      await exited;

      const tip = git(t.repo, 'rev-parse', 'main');
      if (base === 'old') assert.equal(tip, old, 'the base has not moved yet');
      else assert.deepEqual([git(t.repo, 'rev-parse', 'main^1'), git(t.repo, 'rev-parse', 'main^2')], [old, branch], 'the base holds exactly the merge');
      if (step === 'tree-moved') assert.ok(existsSync(join(t.repo, 'a.txt')), 'killed with the tree ahead of the base');

      // The next run recovers (the killed run's locks are taken over at once: its pid is gone) and merges what is queued.
      const next = await runCli(t.repo, ['run']);
      assert.equal(next.status, 0, next.stdout + next.stderr);
      assert.deepEqual([git(t.repo, 'rev-parse', 'main^1'), git(t.repo, 'rev-parse', 'main^2')], [old, branch], 'merged onto the old base');
      assert.equal(mergesOf(t.repo, 'a'), 1, 'merged once');
      assert.equal(readEvents(t.layout.events('a')).filter((e) => e.type === 'merged').length, 1);
      assert.deepEqual(readQueue(t.layout), { entries: [] }, 'nothing left in the queue');
      assert.equal(t.store.read('a')!.view.state, 'approved');
      assert.equal(t.store.read('b')!.view.state, 'review', 'the other task is untouched');

      // The person's checkout: the merge's a.txt came in; everything of theirs is as it was, byte for byte.
      const after = personState(t.repo);
      assert.equal(after.status, before.status);
      assert.equal(after.index, [...before.index.split('\n'), `100644 ${git(t.repo, 'rev-parse', 'main:a.txt')} 0\ta.txt`].sort((x, y) => (x.split('\t')[1] < y.split('\t')[1] ? -1 : 1)).join('\n'));
      assert.deepEqual({ ...after.files, 'a.txt': undefined }, { ...before.files, 'a.txt': undefined });
      assert.equal(readFileSync(join(t.repo, 'a.txt'), 'utf8'), 'a\n');
    });
  }
});

/** Mounts a file system over `dir` for one test (root only: tests here run as root); skips, saying why, where it cannot. */
function mountOver(ctx: Mocha.Context, dir: string, args: string[]): () => void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', [...args, dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`      (cannot mount here: ${(r.stderr || r.error?.message || '').trim()}; this test needs root)`);
    ctx.skip();
  }
  return () => void spawnSync('umount', ['-l', dir]);
}

describe('merge safety: a full disk or a read-only .baton/ while writing the queue', function () {
  this.timeout(90_000);

  it('a full disk: baton approve says so plainly, and the queue file is not half-written', async function () {
    const t = queueRepo('  - {id: a, title: A}\n');
    const dotBaton = t.layout.dir;
    const unmount = mountOver(this, dotBaton, ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs']);
    try {
      await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
      const queue = join(dotBaton, 'queue.json');
      writeFileSync(queue, JSON.stringify({ entries: [] }, null, 2) + '\n');
      const was = readFileSync(queue, 'utf8');
      // Fill it to the last byte.
      const filler = join(dotBaton, 'filler');
      try {
        for (let size = 1 << 20; size >= 1; size >>= 1) {
          for (;;) {
            try {
              writeFileSync(filler, Buffer.alloc(size), { flag: 'a' });
            } catch {
              break;
            }
          }
        }
      } catch {
        // full
      }
      const main = git(t.repo, 'rev-parse', 'main');
      const branch = git(t.repo, 'rev-parse', 'baton/a');
      const r = await runCli(t.repo, ['approve', 'a']);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /^baton: Could not write the merge queue .*queue\.json: the disk is full \(ENOSPC\)\. The queue file is as it was/m);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(readFileSync(queue, 'utf8'), was, 'queue.json as it was');
      assert.deepEqual(readdirSync(dotBaton).filter((f) => f.startsWith('queue.json') && f !== 'queue.json'), [], 'no temporary or lock file left');
      assert.equal(git(t.repo, 'rev-parse', 'main'), main);
      unlinkSync(filler);
      // With room again, the same approval goes through.
      assert.equal((await runCli(t.repo, ['approve', 'a'])).status, 0);
      assert.equal(git(t.repo, 'rev-parse', 'main^2'), branch);
    } finally {
      unmount();
    }
  });

  // chmod does not stop root (these tests run as root), so .baton/ is made read-only by a read-only bind mount.
  it('a read-only .baton/: baton approve says so plainly, and nothing is written', async function () {
    const t = queueRepo('  - {id: a, title: A}\n');
    await finishedTask(t.repo, 'a', { 'a.txt': 'a\n' });
    const dotBaton = t.layout.dir;
    const unmount = mountOver(this, dotBaton, ['--bind', dotBaton]);
    try {
      const ro = spawnSync('mount', ['-o', 'remount,bind,ro', dotBaton], { encoding: 'utf8' });
      assert.equal(ro.status, 0, ro.stderr);
      const listing = readdirSync(dotBaton).sort();
      const main = git(t.repo, 'rev-parse', 'main');
      const r = await runCli(t.repo, ['approve', 'a']);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /^baton: Could not write the merge queue .*queue\.json: the folder is read-only \(EROFS\)\. The queue file is as it was/m);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(readdirSync(dotBaton).sort(), listing, 'nothing written');
      assert.equal(git(t.repo, 'rev-parse', 'main'), main);
    } finally {
      unmount();
    }
  });
});
