// A team that grows, without a model: personas and shared context in prompts, worker requests (folder
// protocol and `baton request`), approve with the plan's comments kept, malformed and hostile requests,
// collisions and cycles. The real Claude Code round trip is in claudeTeam.test.ts.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPersona, BUILTIN_PERSONAS, builtinPersonasDir } from '../../src/core/agents/personas';
import { parsePlan } from '../../src/core/plan/parse';
import { git, makeRepo, planYaml, runCli, scriptAgent } from './workspaceRepo';

const COMMENTED = `# The team's plan. Comments here must survive an approval.
version: 1
name: Team
base: main
defaults:
  agent: script   # a stand-in worker
  heartbeatTimeout: 30s
tasks:
  # the first piece
  - id: api
    title: The API
    description: Build it.

  - id: ship
    title: Ship it
    deps: [api] # after the API
`;

function request(repo: string, folder: string, instructions?: string, meta?: unknown): void {
  const dir = join(repo, '.baton/requests', folder);
  mkdirSync(dir, { recursive: true });
  if (instructions !== undefined) writeFileSync(join(dir, 'instructions.md'), instructions);
  if (meta !== undefined) writeFileSync(join(dir, 'request.json'), typeof meta === 'string' ? meta : JSON.stringify(meta));
}

async function list(repo: string) {
  const r = await runCli(repo, ['request', 'list', '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { folder: string; status: string; problems: string[]; from?: string; deps: string[] }[];
}

describe('personas', () => {
  it('ships the five roles, each saying what it does, how to report, request and validate, and when it is done', () => {
    for (const name of BUILTIN_PERSONAS) {
      const p = readPersona(tmpdir(), name);
      assert.equal(p.source, 'built-in');
      assert.match(p.text, new RegExp(`^## Your role: ${name}`));
      assert.match(p.text, /baton report/);
      assert.match(p.text, /baton request/);
      assert.match(p.text, /You are done when/);
    }
    assert.match(readPersona(tmpdir(), 'manager').text, /baton validate/);
    assert.ok(builtinPersonasDir()?.endsWith(join('resources', 'personas')));
  });

  it('a workspace override wins; hostile and unknown names are refused without touching a path', () => {
    const repo = makeRepo(planYaml('  - id: a\n    title: A\n'));
    mkdirSync(join(repo, '.baton/personas'), { recursive: true });
    writeFileSync(join(repo, '.baton/personas/engineer.md'), '## Your role: our engineer\n\nUse tabs.\n');
    assert.equal(readPersona(repo, 'engineer').source, 'workspace');
    assert.match(readPersona(repo, 'engineer').text, /Use tabs/);
    assert.throws(() => readPersona(repo, '../../etc/passwd'), /Refusing persona/);
    assert.throws(() => readPersona(repo, 'pirate'), /No persona "pirate": write \.baton\/personas\/pirate\.md/);
  });

  it('plan validation refuses a persona name that is not a plain name', () => {
    // planYaml's extra lines land inside `defaults:`.
    const { diagnostics, plan } = parsePlan(planYaml('  - id: a\n    title: A\n    persona: ../x\n', '  persona: "a b"\n'), 'baton.yaml');
    assert.deepEqual(
      diagnostics.filter((d) => d.code === 'invalid-persona').map((d) => d.message.slice(0, 16)),
      ['Persona "a b" is', 'Persona "../x" i'],
    );
    assert.equal(plan.tasks[0].persona, undefined);
  });

  it('the worker prompt holds the task persona (or the plan default) and the shared context, with files confined to the repository', async () => {
    const plan = `version: 1
name: Ctx
base: main
defaults:
  agent: script
  persona: intern
context:
  text: We write British English.
  files: [docs/style.md, big.txt, link.txt, missing.md]
tasks:
  - id: a
    title: A
    persona: reviewer
  - id: b
    title: B
`;
    const repo = makeRepo(plan);
    mkdirSync(join(repo, 'docs'));
    writeFileSync(join(repo, 'docs/style.md'), 'Use ``` fences carefully.\n');
    writeFileSync(join(repo, 'big.txt'), 'x'.repeat(40_000));
    const secret = join(tmpdir(), `baton-secret-${process.pid}.txt`);
    writeFileSync(secret, 'TOP SECRET');
    symlinkSync(secret, join(repo, 'link.txt'));
    mkdirSync(join(repo, '.baton/personas'), { recursive: true });
    writeFileSync(join(repo, '.baton/personas/intern.md'), '## Your role: our own intern\n');
    const env = scriptAgent('exit 0');
    for (const id of ['a', 'b']) {
      const r = await runCli(repo, ['start', id], env);
      assert.equal(r.status, 0, r.stderr);
    }
    const prompt = (id: string) => readFileSync(join(repo, '.baton/runs', id, 'prompt.md'), 'utf8');
    assert.match(prompt('a'), /## Your role: reviewer/);
    assert.match(prompt('b'), /## Your role: our own intern/, 'the plan default, overridden in the workspace');
    for (const id of ['a', 'b']) {
      const p = prompt(id);
      assert.match(p, /## Shared context/);
      assert.match(p, /We write British English\./);
      assert.match(p, /`docs\/style\.md`:\n\n````\nUse ``` fences carefully\.\n````/);
      assert.match(p, /`big\.txt` \(cut: only its beginning is shown/);
      assert.ok(p.length < 30_000, `capped: ${p.length}`);
      assert.match(p, /`link\.txt`: not included: it leads outside the repository/);
      assert.doesNotMatch(p, /TOP SECRET/);
      assert.match(p, /`missing\.md`: not included: no such file/);
    }
  });

  it('a plan whose context names a path outside the repository is an error at its position', () => {
    const { diagnostics } = parsePlan('version: 1\ncontext:\n  files: [../secret, /etc/passwd]\ntasks:\n  - id: a\n    title: A\n', 'baton.yaml');
    const bad = diagnostics.filter((d) => d.code === 'bad-context-file');
    assert.equal(bad.length, 2);
    assert.equal(bad[0].span.start.line, 3);
  });

  it('an unknown persona refuses the start and says how to add it; nothing is launched', async () => {
    const repo = makeRepo(planYaml('  - id: a\n    title: A\n    persona: pirate\n'));
    const r = await runCli(repo, ['start', 'a'], scriptAgent('exit 0'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /No persona "pirate": write \.baton\/personas\/pirate\.md/);
    assert.ok(!existsSync(join(repo, '.baton/worktrees/a')));
  });
});

describe('worker requests', function () {
  this.timeout(60_000);

  it('approve adds the task to baton.yaml with every comment and blank line kept, the requester as context', async () => {
    const repo = makeRepo(COMMENTED);
    const made = await runCli(repo, ['request', 'engineer', 'docs', 'Write the API docs: users need them', '--deps', 'api', '--files', 'docs/**'], {
      BATON_ROOT: repo,
      BATON_TASK_ID: 'api',
    });
    assert.equal(made.status, 0, made.stderr);
    const [r] = await list(repo);
    assert.deepEqual([r.folder, r.status, r.from, r.deps, r.problems], ['engineer-request-docs', 'pending', 'api', ['api'], []]);

    const inWorker = await runCli(repo, ['request', 'approve', 'docs'], { BATON_ROOT: repo, BATON_TASK_ID: 'api' });
    assert.equal(inWorker.status, 2, 'a worker cannot approve its own request');

    const ok = await runCli(repo, ['request', 'approve', 'engineer-request-docs']);
    assert.equal(ok.status, 0, ok.stderr);
    const text = readFileSync(join(repo, 'baton.yaml'), 'utf8');
    assert.ok(text.startsWith(COMMENTED), `the old plan is untouched, byte for byte:\n${text}`);
    const added = text.slice(COMMENTED.length);
    assert.match(added, /^\n  - id: docs\n    title: "Write the API docs: users need them"\n/);
    assert.match(added, /Asked for by the worker on task "api" \(The API\)/);
    assert.match(added, /deps: \[api\]\n    files: \[docs\/\*\*\]\n    persona: engineer\n$/);
    const status = JSON.parse((await runCli(repo, ['status', '--json'])).stdout);
    assert.deepEqual(status.map((s: { task: string }) => s.task), ['api', 'ship', 'docs']);
    assert.equal((await list(repo))[0].status, 'approved');
    const again = await runCli(repo, ['request', 'approve', 'docs']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already approved/);
    assert.equal(git(repo, 'status', '--porcelain'), 'M baton.yaml');
  });

  it('decline records why, and tells the requester in its run folder', async () => {
    const repo = makeRepo(COMMENTED);
    mkdirSync(join(repo, '.baton/runs/api'), { recursive: true });
    request(repo, 'intern-request-tidy', 'Tidy the imports', { from: 'api' });
    const r = await runCli(repo, ['request', 'decline', 'tidy', 'Not now; after the release']);
    assert.equal(r.status, 0, r.stderr);
    const events = readFileSync(join(repo, '.baton/runs/api/events.jsonl'), 'utf8');
    assert.match(events, /"type":"request:declined".*"request":"intern-request-tidy".*"reason":"Not now; after the release"/);
    assert.equal((await list(repo))[0].status, 'declined');
    assert.equal(readFileSync(join(repo, 'baton.yaml'), 'utf8'), COMMENTED);
  });

  it('malformed and hostile requests are listed with what is wrong and never become tasks', async () => {
    const repo = makeRepo(COMMENTED);
    request(repo, 'engineer-request-empty', '   \n');
    request(repo, 'engineer-request-noinstr');
    request(repo, 'Bad Folder', 'x');
    request(repo, 'engineer-request-esc', 'Do this \u001b]0;pwned\u0007 now');
    request(repo, 'pirate-request-plunder', 'Take everything');
    request(repo, 'engineer-request-meta', 'Fine text', { deps: ['../x'], from: 'rm -rf /' });
    request(repo, 'engineer-request-json', 'Fine text', '{not json');
    request(repo, 'engineer-request-api', 'Another API');
    const problems = new Map((await list(repo)).map((r) => [r.folder, r.problems.join(' | ')]));
    assert.match(problems.get('engineer-request-empty')!, /instructions\.md is empty/);
    assert.match(problems.get('engineer-request-noinstr')!, /no instructions\.md/);
    assert.match(problems.get('Bad Folder')!, /not <persona>-request-<name>/);
    assert.match(problems.get('engineer-request-esc')!, /control characters/);
    assert.match(problems.get('pirate-request-plunder')!, /No persona "pirate"/);
    assert.match(problems.get('engineer-request-meta')!, /"from" "rm -rf \/" is not a task id.*"deps" has "\.\.\/x"/);
    assert.match(problems.get('engineer-request-json')!, /request\.json is not a JSON object/);
    assert.match(problems.get('engineer-request-api')!, /already has a task "api"/);
    for (const folder of problems.keys()) {
      const r = await runCli(repo, ['request', 'approve', folder]);
      assert.equal(r.status, 1, `${folder} refused`);
      assert.match(r.stderr, /cannot be approved/);
    }
    assert.equal(readFileSync(join(repo, 'baton.yaml'), 'utf8'), COMMENTED, 'the plan is untouched');
    const text = await runCli(repo, ['request', 'list']);
    assert.doesNotMatch(text.stdout, /\u001b/, 'no escape sequence reaches the terminal');
    const hostile = await runCli(repo, ['request', 'engineer', '../up', 'x'], { BATON_ROOT: repo });
    assert.equal(hostile.status, 1);
    assert.match(hostile.stderr, /cannot be a task id/);
    assert.ok(!existsSync(join(repo, '.baton/up')) && !existsSync(join(repo, '.baton/requests/engineer-request-../up')));
  });

  it('two requests with one name: both are flagged, neither is approved, and baton request refuses a third', async () => {
    const repo = makeRepo(COMMENTED);
    request(repo, 'engineer-request-cache', 'Add a cache');
    request(repo, 'architect-request-cache', 'Design a cache');
    for (const r of await list(repo)) assert.match(r.problems.join(), /Another request asks for the same name "cache"/);
    const ambiguous = await runCli(repo, ['request', 'approve', 'cache']);
    assert.match(ambiguous.stderr, /Several requests ask for "cache"/);
    const named = await runCli(repo, ['request', 'approve', 'engineer-request-cache']);
    assert.equal(named.status, 1);
    const third = await runCli(repo, ['request', 'intern', 'cache', 'me too'], { BATON_ROOT: repo });
    assert.equal(third.status, 1);
    assert.match(third.stderr, /already a request for "cache"/);
  });

  it('a request whose dependencies would close a cycle is refused with the cycle named; the plan is untouched', async () => {
    // The person already wrote `release` waiting for the docs the request will add.
    const plan = COMMENTED + '  - id: release\n    title: Release\n    deps: [docs]\n';
    const repo = makeRepo(plan);
    request(repo, 'engineer-request-docs', 'Write docs after the release', { deps: ['release'] });
    const r = await runCli(repo, ['request', 'approve', 'docs']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cycle: .*(docs -> release -> docs|release -> docs -> release)/i);
    assert.equal(readFileSync(join(repo, 'baton.yaml'), 'utf8'), plan);
    assert.equal((await list(repo))[0].status, 'pending');
  });

  it('sessions lists workers with their persona; attach refuses a worker that is still running, and one with no session', async () => {
    const repo = makeRepo(planYaml('  - id: a\n    title: A\n    persona: intern\n  - id: b\n    title: B\n'));
    const env = scriptAgent('sleep 3');
    assert.equal((await runCli(repo, ['start', 'a'], env)).status, 0);
    const rows = JSON.parse((await runCli(repo, ['sessions', '--json'], env)).stdout);
    assert.deepEqual(rows.map((r: { task: string; persona: string; session: null }) => [r.task, r.persona, r.session]), [['a', 'intern', null]]);
    assert.equal(rows[0].worktree, join(repo, '.baton/worktrees/a'));
    const live = await runCli(repo, ['attach', 'a'], env);
    assert.equal(live.status, 2);
    assert.match(live.stderr, /"a" is still running .*baton stop a/);
    await runCli(repo, ['stop', 'a'], env);
    const none = await runCli(repo, ['attach', 'a'], env);
    assert.match(none.stderr, /no Claude Code session is recorded for "a"/);
    assert.match((await runCli(repo, ['attach', 'b'], env)).stderr, /"b" has had no worker/);
    assert.match((await runCli(repo, ['sessions', '--filter', 'reviewer'], env)).stdout, /No workers with persona "reviewer"/);
  });
});
