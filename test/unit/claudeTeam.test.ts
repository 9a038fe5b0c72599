// A team that grows, with the REAL Claude Code CLI against the scripted model: a worker asks for another
// worker mid-task with `baton request`, the person approves it (the plan's comments untouched), the new
// task runs with its persona, `baton sessions` lists both with their Claude session ids, and `baton attach`
// resumes a finished worker's conversation.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useClaudeWorkerEnv } from '../support/claudeWorkerEnv';
import { textOf, turn } from '../support/scriptedModel';
import { git, makeRepo, runCli } from './workspaceRepo';

const PLAN = `# Our plan: this comment and the blank line below must survive approvals.
version: 1
name: Growing team
base: main

defaults:
  agent: claude   # the real CLI
  heartbeatTimeout: 60s
tasks:
  - id: api
    title: The API
    persona: engineer
    description: Write api.txt and commit it.
`;

describe('a team that grows, with the real Claude Code CLI', function () {
  this.timeout(180_000);
  const workers = useClaudeWorkerEnv();

  it('a worker requests a worker mid-task; approve adds it to baton.yaml; it runs; sessions lists both; attach resumes one', async () => {
    const { model, env } = workers;
    const repo = makeRepo(PLAN);
    const wt = (id: string) => join(repo, '.baton/worktrees', id);
    model.script('# Task api:', [
      turn.bash('baton request engineer docs "Write the API docs: users ask how to call it" --files "docs/**"', 'Ask for a docs worker'),
      turn.write(join(wt('api'), 'api.txt'), 'api\n'),
      turn.bash('git add api.txt && git commit -m "Add api.txt"', 'Commit'),
      turn.text('API done; asked for docs.'),
      turn.text('Resumed: nothing left to do.'), // answered when the person attaches later
    ]);
    model.script('# Task docs:', [
      turn.write(join(wt('docs'), 'docs.md'), '# How to call the API\n'),
      turn.bash('git add docs.md && git commit -m "Add docs"', 'Commit'),
      turn.text('Docs written.'),
    ]);

    const first = await runCli(repo, ['run'], env);
    assert.equal(first.status, 0, first.stderr + first.stdout);
    assert.match(first.stderr, /Ready for review: api/);
    const [request] = JSON.parse((await runCli(repo, ['request', 'list', '--json'], env)).stdout);
    assert.equal(request.folder, 'engineer-request-docs');
    assert.equal(request.from, 'api', 'the request names the worker that asked');
    assert.deepEqual(request.files, ['docs/**']);
    assert.deepEqual(request.problems, []);
    const apiPrompt = readFileSync(join(repo, '.baton/runs/api/prompt.md'), 'utf8');
    assert.match(apiPrompt, /## Your role: engineer/);

    const approve = await runCli(repo, ['request', 'approve', 'engineer-request-docs'], env);
    assert.equal(approve.status, 0, approve.stderr);
    const plan = readFileSync(join(repo, 'baton.yaml'), 'utf8');
    assert.ok(plan.startsWith(PLAN), `the plan as written is untouched:\n${plan}`);
    assert.match(plan.slice(PLAN.length), /^  - id: docs\n/);

    const second = await runCli(repo, ['run'], env);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /Ready for review: api, docs|Ready for review: docs/);
    assert.equal(git(wt('docs'), 'log', '-1', '--format=%s'), 'Add docs');
    const docsPrompt = readFileSync(join(repo, '.baton/runs/docs/prompt.md'), 'utf8');
    assert.match(docsPrompt, /# Task docs: Write the API docs/);
    assert.match(docsPrompt, /Asked for by the worker on task "api" \(The API\)/);

    const sessions = JSON.parse((await runCli(repo, ['sessions', '--json'], env)).stdout);
    assert.deepEqual(
      sessions.map((s: { task: string; persona: string; state: string }) => [s.task, s.persona, s.state]),
      [
        ['api', 'engineer', 'review'],
        ['docs', 'engineer', 'review'],
      ],
    );
    for (const s of sessions) {
      assert.match(s.session, /^[0-9a-f-]{36}$/, `${s.task} has its Claude session id from the hooks`);
      assert.equal(s.worktree, wt(s.task));
      assert.equal(s.terminal, null, 'headless workers have no terminal');
    }
    assert.notEqual(sessions[0].session, sessions[1].session);
    const none = JSON.parse((await runCli(repo, ['sessions', '--json', '--filter', 'reviewer'], env)).stdout);
    assert.deepEqual(none, []);
    const table = await runCli(repo, ['sessions'], env);
    assert.match(table.stdout, new RegExp(`api\\s+engineer\\s+review\\s+${sessions[0].session}`));

    // Attach: the same conversation, resumed in the worktree (headless here, with -p).
    const attach = await runCli(repo, ['attach', 'api', '--', '-p', 'Anything left?'], env);
    assert.equal(attach.status, 0, attach.stderr + attach.stdout);
    assert.match(attach.stdout, /Resumed: nothing left to do\./);
    const last = model.turnsOf('# Task api:').at(-1)!;
    const said = (last.body?.messages ?? []).map((m) => textOf(m.content)).join('\n');
    assert.match(said, /Anything left\?/);
    assert.match(said, /API done; asked for docs\./, 'the earlier conversation came along');
  });
});
