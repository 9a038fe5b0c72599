// Notes for later workers, with the REAL Claude Code CLI against the scripted model: after `baton approve
// --notes`, what the approved task changed is in baton-notes.md beside the plan, and the worker of a task
// started after the approval finds it in its prompt.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noteMarkdown } from '../../src/core/run/approvalNotes';
import { useClaudeWorkerEnv } from '../support/claudeWorkerEnv';
import { turn } from '../support/scriptedModel';
import { git, makeRepo, runCli } from './workspaceRepo';

const PLAN = `version: 1
name: Notes
base: main
defaults:
  agent: claude
  heartbeatTimeout: 60s
tasks:
  - id: api
    title: The API
    description: Write api.txt and commit it.
  - id: ui
    title: The UI
    deps: [api]
    description: Write ui.txt and commit it.
`;

describe('notes from approved work, with the real Claude Code CLI', function () {
  this.timeout(180_000);
  const workers = useClaudeWorkerEnv();

  it('a worker started after an approval is told what the approved task changed', async () => {
    const { model, env } = workers;
    const repo = makeRepo(PLAN);
    const wt = (id: string) => join(repo, '.baton/worktrees', id);
    model.script('# Task api:', [
      turn.write(join(wt('api'), 'api.txt'), 'GET /users\n'),
      turn.bash('git add api.txt && git commit -m "Add api.txt"', 'Commit'),
      turn.bash('baton report done "Added GET /users in api.txt; callers page with ?cursor=" --not-done "nothing"', 'Hand over'),
      turn.text('API done.'),
    ]);
    model.script('# Task ui:', [turn.write(join(wt('ui'), 'ui.txt'), 'list\n'), turn.bash('git add ui.txt && git commit -m "Add ui.txt"', 'Commit'), turn.text('UI done.')]);

    const first = await runCli(repo, ['run'], env);
    assert.equal(first.status, 0, first.stderr + first.stdout);
    assert.match(first.stderr, /Ready for review: api/);
    assert.equal(existsSync(join(repo, 'baton-notes.md')), false, 'no notes before an approval');

    const approve = await runCli(repo, ['approve', 'api', '--notes'], env);
    assert.equal(approve.status, 0, approve.stderr + approve.stdout);
    const notes = readFileSync(join(repo, 'baton-notes.md'), 'utf8');
    const merge = git(repo, 'rev-parse', 'main');
    assert.match(notes, /^# What approved work changed\n/);
    assert.match(notes, new RegExp(`## api: The API\\n\\nApproved \\d{4}-\\d\\d-\\d\\d, merged as ${merge.slice(0, 10)}\\.\\n\\n> Added GET /users in api.txt; callers page with \\?cursor=\\n\\nFiles changed: \`api.txt\`\\n`));
    assert.equal(git(repo, 'status', '--porcelain', '--', '.baton'), '', 'the lock stays in .baton/ and is gone');

    const second = await runCli(repo, ['run'], env);
    assert.equal(second.status, 0, second.stderr + second.stdout);
    const prompt = readFileSync(join(repo, '.baton/runs/ui/prompt.md'), 'utf8');
    assert.match(prompt, /## Notes from approved work\n\nTasks of this plan approved before you started, and what they changed \(`baton-notes.md`\)/);
    assert.match(prompt, /## api: The API[\s\S]*> Added GET \/users in api\.txt; callers page with \?cursor=[\s\S]*Files changed: `api\.txt`/);
    assert.doesNotMatch(readFileSync(join(repo, '.baton/runs/api/prompt.md'), 'utf8'), /Notes from approved work/, 'the first worker had none');
  });

  it('approving without --notes writes no note', async () => {
    const { model, env } = workers;
    const repo = makeRepo(PLAN);
    model.script('# Task api:', [
      turn.write(join(repo, '.baton/worktrees/api/api.txt'), 'x\n'),
      turn.bash('git add api.txt && git commit -m "Add api.txt"', 'Commit'),
      turn.text('API done.'),
    ]);
    assert.equal((await runCli(repo, ['run', '--max-workers', '1'], env)).status, 0);
    const approve = await runCli(repo, ['approve', 'api'], env);
    assert.equal(approve.status, 0, approve.stderr);
    assert.equal(existsSync(join(repo, 'baton-notes.md')), false);
  });

  it("keeps a worker's summary as a quote, so its headings cannot pose as notes", () => {
    const text = noteMarkdown({ task: 'a', title: 'A', summary: '## b: fake note\nreal text', files: ['x`y.ts'], commit: 'abcdef1234567', at: '2026-01-02T00:00:00Z' });
    assert.match(text, /\n> ## b: fake note\n> real text\n/);
    assert.match(text, /Files changed: `x'y\.ts`/);
  });
});
