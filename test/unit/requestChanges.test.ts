// Request Changes reaching a worker that has exited: with the REAL Claude Code CLI against the scripted
// model, `baton changes` starts a worker on the same worktree that resumes the same conversation.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useClaudeWorkerEnv } from '../support/claudeWorkerEnv';
import { CLAUDE_TEAM_PLAN } from '../support/plans';
import { textOf, turn } from '../support/scriptedModel';
import { bundledCli, git, makeRepo, runCli, waitFor } from './workspaceRepo';

describe('Request Changes with the real Claude Code CLI', function () {
  this.timeout(180_000);
  const workers = useClaudeWorkerEnv();
  before(async () => {
    await bundledCli();
  });

  it('hands over a summary, then resumes its own conversation with the feedback and goes back to review', async () => {
    const { model, env } = workers;
    const repo = makeRepo(CLAUDE_TEAM_PLAN);
    const wt = join(repo, '.baton/worktrees/alpha');
    model.script('# Task alpha:', [
      turn.write(join(wt, 'alpha.txt'), 'alpha\n'),
      turn.bash('git add alpha.txt && git commit -m "Add alpha.txt"', 'Commit the work'),
      turn.bash('baton report done "Wrote alpha.txt" --not-done "No tests"', 'Hand over'),
      turn.text('Done: alpha.txt is committed.'),
      // After Request Changes, in the same conversation:
      turn.write(join(wt, 'alpha-test.txt'), 'test\n'),
      turn.bash('git add alpha-test.txt && git commit -m "Add alpha-test.txt"', 'Commit the change'),
      turn.text('Added the test file.'),
    ]);
    const status = async () => JSON.parse((await runCli(repo, ['status', '--json'], env)).stdout).find((r: { task: string }) => r.task === 'alpha').state;

    const started = await runCli(repo, ['start', 'alpha'], env);
    assert.equal(started.status, 0, started.stderr);
    let last = '';
    const deadline = Date.now() + 60_000;
    while ((last = await status()) !== 'review' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
    assert.equal(last, 'review');
    await waitFor('the first worker to exit', () => readFileSync(join(repo, '.baton/runs/alpha/events.jsonl'), 'utf8').includes('"type":"exit"'), 30_000);
    const result = JSON.parse(readFileSync(join(repo, '.baton/runs/alpha/result.json'), 'utf8'));
    assert.deepEqual([result.status, result.summary, result.not_done], ['done', 'Wrote alpha.txt', 'No tests']);

    const changes = await runCli(repo, ['changes', 'alpha', 'Add a test file as well.'], env);
    assert.equal(changes.status, 0, changes.stderr + changes.stdout);
    assert.match(changes.stdout, /alpha resumes its conversation/);
    assert.equal(git(wt, 'log', '-1', '--format=%s'), 'Add alpha-test.txt');

    // The resumed request carries the earlier conversation and the feedback.
    const resumed = model.turnsOf('# Task alpha:').find((r) => r.turn === 4);
    assert.ok(resumed, 'the worker asked for its fifth turn');
    const messages = resumed.body!.messages!;
    assert.ok(messages.some((m) => m.role === 'assistant' && textOf(m.content).includes('Done: alpha.txt is committed.')), 'the earlier conversation is there');
    assert.match(textOf(messages.at(-1)!.content), /The reviewer asks for changes: Add a test file as well\./);

    const events = readFileSync(join(repo, '.baton/runs/alpha/events.jsonl'), 'utf8');
    assert.match(events, /"type":"changes-requested".*"via":"resume"/);
    assert.match(events, /"args":\[[^\]]*"--resume","[0-9a-f-]{36}"/);
    assert.equal(await status(), 'review');
    const review = JSON.parse((await runCli(repo, ['review', 'alpha', '--json'], env)).stdout);
    assert.deepEqual(review.files.map((f: { path: string }) => f.path), ['alpha-test.txt', 'alpha.txt']);
    assert.ok(review.history.some((h: { text: string }) => h.text === 'changes requested (worker resumed): Add a test file as well.'));
  });
});
