import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workerPrompt } from '../../src/core/agents/prompt';
import { BUILTIN_PROFILES, launchArgs } from '../../src/core/agents/profiles';
import { analyzePlan } from '../../src/core/graph/analysis';
import { parsePlan } from '../../src/core/plan/parse';
import { taskHistory } from '../../src/core/run/history';
import { lastSession } from '../../src/core/run/hookIntake';
import { ensureWorktree, describeLoss, removeTaskWorktree, UnmergedWorkError } from '../../src/core/git/worktrees';
import { fileAtCommit, reviewData } from '../../src/core/git/review';
import { gatesPassed, runGates } from '../../src/core/run/gates';
import { BatonLayout } from '../../src/core/run/layout';
import { readResult, updateResult } from '../../src/core/run/result';
import { git, makeRepo, planYaml } from './workspaceRepo';

describe('gates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-gates-'));

  it('runs each gate with the shell in the worktree, in order, keeping exit codes, durations and output', async () => {
    const out = join(dir, 'logs');
    const seen: string[] = [];
    const results = await runGates(dir, ['echo one && pwd', 'echo two >&2; exit 0'], { outputDir: out, onOutput: (c) => seen.push(c) });
    assert.equal(results.length, 2);
    assert.deepEqual(results.map((r) => r.exit_code), [0, 0]);
    assert.match(results[0].output_tail, /one\n.*baton-gates-/);
    assert.match(readFileSync(results[1].output_file!, 'utf8'), /two/);
    assert.ok(results[0].duration_ms >= 0 && Date.parse(results[0].started_at) > 0);
    assert.ok(seen.includes('echo one && pwd'));
    assert.equal(gatesPassed(results, ['echo one && pwd', 'echo two >&2; exit 0']), true);
  });

  it('stops at the first failing gate and says which', async () => {
    const results = await runGates(dir, ['true', 'echo broke; exit 3', 'touch should-not-run']);
    assert.deepEqual(results.map((r) => [r.command, r.exit_code]), [['true', 0], ['echo broke; exit 3', 3]]);
    assert.equal(existsSync(join(dir, 'should-not-run')), false);
    assert.equal(gatesPassed(results, ['true', 'echo broke; exit 3', 'touch should-not-run']), false);
    assert.equal(gatesPassed(undefined, []), true);
  });

  it('hands each gate to the shell whole, never joined with other text', async () => {
    // A gate written with quotes and a comment: it runs as written, and nothing after it is run.
    const results = await runGates(dir, [`echo "a; touch pwned" # ; touch pwned2`]);
    assert.equal(results[0].exit_code, 0);
    assert.match(results[0].output_tail, /^a; touch pwned\n$/);
    assert.equal(existsSync(join(dir, 'pwned')), false);
    assert.equal(existsSync(join(dir, 'pwned2')), false);
  });

  it('a gate that cannot start fails with a message', async () => {
    const results = await runGates(join(dir, 'no-such-dir'), ['true']);
    assert.equal(results[0].exit_code, null);
    assert.match(results[0].output_tail, /Could not run the gate/);
  });

  it('cancelling stops the running gate', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const results = await runGates(dir, ['sleep 20', 'true'], { signal: controller.signal });
    assert.equal(results.length, 1);
    assert.equal(results[0].exit_code, null);
    assert.ok(results[0].duration_ms < 10_000);
  });
});

describe('result.json', () => {
  it('is created, merged and read back; unknown status reads as unreported', async () => {
    const root = mkdtempSync(join(tmpdir(), 'baton-result-'));
    const layout = new BatonLayout(root);
    assert.equal(readResult(layout, 't1'), undefined);
    await updateResult(layout, 't1', { status: 'done', summary: 'did it' });
    await Promise.all([updateResult(layout, 't1', { gates_at: 'x' }), updateResult(layout, 't1', (c) => ({ ...c!, not_done: 'docs' }))]);
    const r = readResult(layout, 't1')!;
    assert.equal(r.status, 'done');
    assert.equal(r.summary, 'did it');
    assert.equal(r.not_done, 'docs');
    assert.equal(r.gates_at, 'x');
    writeFileSync(layout.result('t1'), JSON.stringify({ status: 'rm -rf', gates: [{ command: 1 }, { command: 'ok', exit_code: 0 }] }));
    const odd = readResult(layout, 't1')!;
    assert.equal(odd.status, 'unreported');
    assert.equal(odd.gates!.length, 1);
  });
});

describe('review data and worktree removal', () => {
  let repo: string;
  let wt: string;

  beforeEach(async () => {
    repo = makeRepo(planYaml('  - id: ui\n    title: UI\n    files: ["src/ui/**"]\n'));
    writeFileSync(join(repo, 'shared.txt'), 'one\ntwo\nthree\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'shared');
    wt = new BatonLayout(repo).worktree('ui');
    await ensureWorktree(repo, 'ui', 'main', wt);
  });

  it('shows commits and files against the merge-base, with uncommitted changes and flagged files', async () => {
    mkdirSync(join(wt, 'src/ui'), { recursive: true });
    writeFileSync(join(wt, 'src/ui/button.ts'), 'export const a = 1;\nexport const b = 2;\n');
    writeFileSync(join(wt, 'shared.txt'), 'one\nTWO\nthree\n');
    git(wt, 'add', '.');
    git(wt, 'commit', '-q', '-m', 'Add button');
    // The base moves on after the branch left it: that work is not the task's.
    writeFileSync(join(repo, 'base-only.txt'), 'later\n');
    git(repo, 'add', 'base-only.txt');
    git(repo, 'commit', '-q', '-m', 'base moved');
    // Uncommitted: an edit and a new file.
    writeFileSync(join(wt, 'src/ui/button.ts'), 'export const a = 1;\n');
    writeFileSync(join(wt, 'notes.md'), 'x\ny\n');

    const d = await reviewData(repo, wt, 'main', ['src/ui/**']);
    assert.deepEqual(d.commits.map((c) => c.subject), ['Add button']);
    assert.deepEqual(d.files.map((f) => f.path), ['notes.md', 'shared.txt', 'src/ui/button.ts']);
    const byPath = new Map(d.files.map((f) => [f.path, f]));
    assert.deepEqual(
      { ...byPath.get('shared.txt')! },
      { path: 'shared.txt', oldPath: undefined, kind: 'modified', added: 1, removed: 1, binary: false, uncommitted: false, outsideDeclared: true, state: false },
    );
    assert.equal(byPath.get('src/ui/button.ts')!.added, 1);
    assert.equal(byPath.get('src/ui/button.ts')!.uncommitted, true);
    assert.equal(byPath.get('src/ui/button.ts')!.outsideDeclared, false);
    assert.deepEqual({ kind: byPath.get('notes.md')!.kind, added: byPath.get('notes.md')!.added }, { kind: 'added', added: 2 });
    assert.deepEqual(d.uncommitted, ['notes.md', 'src/ui/button.ts']);
    assert.deepEqual(d.flagged, ['notes.md', 'shared.txt']);
    assert.equal(await fileAtCommit(repo, wt, d.mergeBase, 'shared.txt'), 'one\ntwo\nthree\n');
    assert.equal(await fileAtCommit(repo, wt, d.mergeBase, 'src/ui/button.ts'), '');
  });

  it('refuses to remove a worktree or branch holding work the base lacks, and removes it once merged', async () => {
    writeFileSync(join(wt, 'work.txt'), 'w\n');
    const opts = { base: 'main', worktree: wt, deleteBranch: true, force: false };
    await assert.rejects(removeTaskWorktree(repo, 'ui', opts), (e: unknown) => e instanceof UnmergedWorkError && /1 uncommitted file \(work\.txt\)/.test(e.message));
    git(wt, 'add', '.');
    git(wt, 'commit', '-q', '-m', 'Work');
    await assert.rejects(removeTaskWorktree(repo, 'ui', opts), /1 commit not on the base \([0-9a-f]{7} Work\)/);
    assert.ok(existsSync(join(wt, 'work.txt')));
    assert.equal(git(repo, 'branch', '--list', '--format=%(refname:short)', 'baton/ui'), 'baton/ui');
    // Keeping the branch keeps the commits: the worktree alone may go.
    const kept = await removeTaskWorktree(repo, 'ui', { ...opts, deleteBranch: false });
    assert.deepEqual([kept.removedWorktree, kept.deletedBranch], [true, false]);
    await ensureWorktree(repo, 'ui', 'main', wt);
    git(repo, 'merge', '-q', '--no-ff', '-m', 'merge ui', 'baton/ui');
    const done = await removeTaskWorktree(repo, 'ui', opts);
    assert.deepEqual([done.removedWorktree, done.deletedBranch], [true, true]);
    assert.equal(existsSync(wt), false);
    assert.equal(git(repo, 'branch', '--list', '--format=%(refname:short)', 'baton/ui'), '');
  });

  it('describes what a discard loses, and a forced removal loses exactly that', async () => {
    writeFileSync(join(wt, 'a.txt'), 'a\n');
    git(wt, 'add', '.');
    git(wt, 'commit', '-q', '-m', 'A');
    writeFileSync(join(wt, 'b.txt'), 'b\n');
    const loss = await describeLoss(repo, 'ui', { base: 'main', worktree: wt });
    assert.deepEqual(loss.commits.map((c) => c.subject), ['A']);
    assert.deepEqual(loss.uncommitted, ['b.txt']);
    await removeTaskWorktree(repo, 'ui', { base: 'main', worktree: wt, deleteBranch: true, force: true });
    assert.equal(existsSync(wt), false);
    assert.equal(git(repo, 'branch', '--list', '--format=%(refname:short)', 'baton/ui'), '');
    assert.equal(git(repo, 'status', '--porcelain'), '');
  });
});

describe('hand-over, history and resuming', () => {
  it('the prompt asks the worker for its own summary of what it did and did not do', async () => {
    const { plan } = parsePlan(planYaml('  - id: ui\n    title: UI\n'), 'baton.yaml');
    const prompt = workerPrompt(plan, plan.tasks[0], analyzePlan(plan));
    assert.match(prompt, /what you did and what you\s+did not do/);
    assert.match(prompt, /baton report done "what you did" --not-done "/);
  });

  it('history keeps the steps and leaves out hook chatter', async () => {
    const at = '2026-01-01T00:00:00.000Z';
    const h = taskHistory([
      { type: 'launch', at },
      { type: 'hook:PostToolUse', at },
      { type: 'gates', at, passed: false, results: [{ command: 'npm test', exit_code: 1 }] },
      { type: 'changes-requested', at, feedback: 'also validate the email', via: 'resume' },
      { type: 'merged', at, sha: 'abcdef1234' },
      { type: 'discarded', at, commits: 2, uncommitted: ['a.ts'] },
    ]);
    assert.deepEqual(h.map((e) => e.text), [
      'worker started',
      'gates failed: npm test (exit 1)',
      'changes requested (worker resumed): also validate the email',
      'merged as abcdef1',
      'discarded (2 commits and 1 uncommitted file thrown away)',
    ]);
  });

  it('a resumed Claude worker gets --resume with its session; the session id is taken only when it looks like one', async () => {
    const values = { prompt: 'P', promptFile: 'f', settingsFile: 's', worktree: 'w', taskId: 't' };
    const args = launchArgs(BUILTIN_PROFILES.claude, true, values, { mode: 'acceptEdits', allowedTools: [] }, [], 'aaaaaaaa-1111-2222-3333-444444444444');
    assert.deepEqual(args.slice(args.indexOf('--resume'), args.indexOf('--resume') + 2), ['--resume', 'aaaaaaaa-1111-2222-3333-444444444444']);
    assert.ok(args.includes('Bash(baton report:*)'));
    assert.ok(!launchArgs(BUILTIN_PROFILES.claude, true, values, { mode: 'acceptEdits', allowedTools: [] }, []).includes('--resume'));
    assert.equal(lastSession([{ session: 'aaaaaaaa-1111' }, { session: '--dangerous flag' }, { type: 'x' }]), 'aaaaaaaa-1111');
  });
});
