// Start Team from a terminal, with the REAL Claude Code CLI against the scripted model: in a repository
// with no plan yet, `baton team start "goal"` has the manager draft baton.yaml in the planning task's own
// worktree and the architect finish it there; the person reviews and approves it like any task, the plan
// lands on main and its tasks become ready. And the refusals, which change nothing.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useClaudeWorkerEnv } from '../support/claudeWorkerEnv';
import { textOf, turn } from '../support/scriptedModel';
import { git, makeRepo, runCli } from './workspaceRepo';

const DRAFT = `version: 1
name: Contact form
base: main
tasks:
  - id: form
    title: The form
    description: Build the contact form.
    files: [src/form.ts]
    estimate: 2h
    persona: engineer
  - id: mail
    title: Send the mail
    description: Email what the form sends.
    deps: [form]
    estimate: 1h
`;

/** The architect's edit: the mail task names its files and a gate. */
const FINISHED = DRAFT.replace('    deps: [form]\n    estimate: 1h\n', '    deps: [form]\n    files: [src/mail.ts]\n    estimate: 1h\n    gates: ["test -f README.md"]\n');

/** A repository with one commit and no plan: the first hour. */
function emptyRepo(): string {
  const repo = makeRepo('');
  git(repo, 'rm', '-q', 'baton.yaml');
  git(repo, 'commit', '-q', '-m', 'no plan yet');
  return repo;
}

describe('Start Team from the terminal, with the real Claude Code CLI', function () {
  this.timeout(180_000);
  const workers = useClaudeWorkerEnv();

  it('baton team start "goal": the manager drafts baton.yaml, the architect finishes it; approve merges it and its tasks become ready', async () => {
    const { model, env } = workers;
    const repo = emptyRepo();
    const wt = join(repo, '.baton/worktrees/team-plan');
    model.script('## Your role: manager', [
      turn.write(join(wt, 'baton.yaml'), DRAFT),
      turn.bash('baton validate baton.yaml', 'Check the plan'),
      turn.bash('git add baton.yaml && git commit -m "Draft the plan"', 'Commit the draft'),
      turn.text('Drafted two tasks.'),
    ]);
    model.script('## Your role: architect', [
      turn.write(join(wt, 'baton.yaml'), FINISHED),
      turn.bash('baton analyze baton.yaml', 'Check conflicts and the critical path'),
      turn.bash('git add baton.yaml && git commit -m "Name the files and gates of mail"', 'Commit'),
      turn.bash('baton report done "Two tasks: form, then mail." --not-done "nothing"', 'Hand over'),
      turn.text('The plan is ready.'),
    ]);

    const started = await runCli(repo, ['team', 'start', 'A contact form that emails the team'], env);
    assert.equal(started.status, 0, started.stderr + started.stdout);
    assert.match(started.stdout, /A team is planning "A contact form that emails the team"/);
    assert.match(started.stdout, /The team proposes 2 tasks/);
    assert.match(started.stdout, /baton approve team-plan/);

    // Both roles worked, in that order, on one branch; each was told its job, the goal and how to check.
    const manager = model.turnsOf('## Your role: manager');
    const architect = model.turnsOf('## Your role: architect');
    assert.ok(manager.length >= 4 && architect.length >= 5, `manager ${manager.length} turns, architect ${architect.length}`);
    const told = (r: (typeof manager)[number]) => (r.body?.messages ?? []).map((m) => textOf(m.content)).join('\n');
    assert.match(told(manager[0]), /A contact form that emails the team/);
    assert.match(told(manager[0]), /baton validate baton\.yaml/);
    assert.match(told(architect[0]), /The manager has drafted `baton\.yaml`/);
    // `baton validate` ran for the manager without asking (its answer came back as the tool's result).
    assert.match(told(manager.at(-1)!), /baton\.yaml: valid, 2 tasks/);
    assert.deepEqual(git(wt, 'log', '--format=%s', 'main..HEAD').split('\n'), ['Name the files and gates of mail', 'Draft the plan']);
    assert.ok(!existsSync(join(repo, 'baton.yaml')), 'nothing lands in the person\'s folder before approval');

    // The normal loop: status of the planning task, review, approve.
    const planning = JSON.parse((await runCli(repo, ['status', '--json'], env)).stdout);
    assert.deepEqual(planning.map((s: { task: string; state: string }) => [s.task, s.state]), [['team-plan', 'review']], 'with no plan file yet, status shows the team at work');
    const review = await runCli(repo, ['review', 'team-plan', '--json'], env);
    assert.equal(review.status, 0, review.stderr);
    const summary = JSON.parse(review.stdout);
    assert.deepEqual(summary.files.map((f: { path: string }) => f.path), ['baton.yaml']);
    assert.match(JSON.stringify(summary), /Two tasks: form, then mail\./);

    const again = await runCli(repo, ['team', 'start', 'something else'], env);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /A team is already planning "A contact form that emails the team" \(team-plan: review\)/);

    const approve = await runCli(repo, ['approve', 'team-plan'], env);
    assert.equal(approve.status, 0, approve.stderr + approve.stdout);
    assert.match(approve.stdout, /The team's plan is merged/);
    assert.equal(readFileSync(join(repo, 'baton.yaml'), 'utf8'), FINISHED, 'the plan is on main, in the person\'s folder');
    assert.match(git(repo, 'log', '-1', '--format=%s', 'main'), /^Merge baton task team-plan: Plan: A contact form/);
    assert.ok(!existsSync(wt), 'the planning worktree is removed once merged');

    const status = JSON.parse((await runCli(repo, ['status', '--json'], env)).stdout);
    assert.deepEqual(
      status.map((s: { task: string; state: string }) => [s.task, s.state]),
      [
        ['form', 'ready'],
        ['mail', 'blocked'],
      ],
    );
    // A plan with unfinished tasks now exists: a new team is refused, saying which.
    const refused = await runCli(repo, ['team', 'start', 'a newsletter'], env);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /baton\.yaml has 2 unfinished tasks \(form, mail\)/);
  });

  it('refuses clearly, changing nothing: no goal, a plan with unfinished tasks, a worker asking', async () => {
    const { env } = workers;
    const repo = makeRepo('version: 1\nname: Ours\nbase: main\ntasks:\n  - {id: api, title: The API}\n');
    const before = git(repo, 'status', '--porcelain', '--ignored');
    const busy = await runCli(repo, ['team', 'start', 'a new plan'], env);
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, /baton\.yaml has 1 unfinished task \(api\)\. A team writes a new plan only when there is none/);
    const empty = emptyRepo();
    const noGoal = await runCli(empty, ['team', 'start', '  '], env);
    assert.equal(noGoal.status, 1);
    assert.match(noGoal.stderr, /Say what the team should plan for/);
    const worker = await runCli(empty, ['team', 'start', 'x'], { ...env, BATON_TASK_ID: 'api' });
    assert.equal(worker.status, 2);
    assert.match(worker.stderr, /a worker cannot start a team/);
    const usage = await runCli(empty, ['team'], env);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /baton team start "goal"/);
    assert.equal(git(repo, 'status', '--porcelain', '--ignored'), before);
    assert.ok(!existsSync(join(repo, '.baton')) || !readdirSync(join(repo, '.baton')).includes('team'));
    assert.ok(!existsSync(join(empty, '.baton')), 'no .baton/ is made for a refused start');
  });
});
