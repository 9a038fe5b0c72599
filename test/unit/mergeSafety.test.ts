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
import { git, waitFor } from './workspaceRepo';

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
    const [r] = await processQueue({ layout: t.layout, runGates: gates, gitLockWaitMs: 600 });
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
    const processing = processQueue({ layout: t.layout, runGates: gates });
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
    assert.deepEqual((await processQueue({ layout: t.layout, runGates: gates })).map((r) => r.outcome), ['merged']);
    assert.equal(mergesOf(t.repo, 'a'), 1);
  });
});
