// `sandbox: on` with the REAL Claude Code CLI and a scripted model: the same worker script runs in two
// tasks, one sandboxed and one not. Only the sandboxed one is kept inside its worktree.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeSandboxSettings, sandboxed, sandboxedPermissions, sandboxTools } from '../../src/core/agents/sandbox';
import { checkpoint, ensureWorktree } from '../../src/core/git/worktrees';
import { parsePlan } from '../../src/core/plan/parse';
import { BatonLayout } from '../../src/core/run/layout';
import { useClaudeWorkerEnv } from '../support/claudeWorkerEnv';
import { textOf, turn, type Turn } from '../support/scriptedModel';
import { bundledCli, git, makeRepo, runCli } from './workspaceRepo';

const PLAN = `version: 1
name: Sandbox
base: main
defaults:
  agent: claude
  heartbeatTimeout: 60s
tasks:
  - {id: boxed, title: Contained, sandbox: on}
  - {id: open, title: Not contained}
`;

describe('sandbox: on, with the real Claude Code CLI', function () {
  this.timeout(180_000);
  const workers = useClaudeWorkerEnv();
  let outside: string;
  before(async () => {
    await bundledCli();
    outside = mkdtempSync(join(tmpdir(), 'baton-outside-'));
  });
  after(() => rmSync(outside, { recursive: true, force: true }));

  /** Writes outside the worktree three ways (shell, shell asking to leave the sandbox, the Write tool), then inside, commits and reports. */
  function script(repo: string, id: string): Turn[] {
    return [
      turn.bash(`echo ${id} > ${join(outside, `${id}-shell.txt`)}`, 'Write outside the worktree'),
      turn.bash(`echo ${id} > ${join(repo, `${id}-main.txt`)}`, "Write into the person's checkout"),
      { tool: 'Bash', input: { command: `touch ${join(outside, `${id}-escape.txt`)}`, description: 'Ask to leave the sandbox', dangerouslyDisableSandbox: true } },
      turn.write(join(outside, `${id}-tool.txt`), `${id}\n`),
      turn.bash(`echo inside > inside.txt && git add inside.txt && git commit -q -m "Inside ${id}"`, 'Write inside and commit'),
      turn.bash('baton report progress 50', 'Report progress'),
      turn.text('Done.'),
    ];
  }

  it('keeps a sandboxed worker\'s writes inside its worktree (even when it asks to leave), while the same commands succeed without the sandbox', async function () {
    const tools = sandboxTools();
    assert.ok(tools.ok, `this machine must be able to run the sandbox for this test: ${tools.install}`);
    const { model, env } = workers;
    const repo = makeRepo(PLAN);
    model.script('# Task boxed:', script(repo, 'boxed'));
    model.script('# Task open:', script(repo, 'open'));
    // The most permissive choice a person can make: bypass, and `touch` allowed outright.
    const run = await runCli(repo, ['run'], {
      ...env,
      BATON_PERMISSION_MODE: 'bypassPermissions',
      BATON_ALLOWED_TOOLS: 'Bash(touch:*)',
      ...(process.getuid?.() === 0 ? { IS_SANDBOX: '1' } : {}),
    }, undefined, 170_000);
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(run.stderr, /Ready for review: boxed, open/);

    for (const name of ['shell', 'escape', 'tool']) {
      assert.ok(existsSync(join(outside, `open-${name}.txt`)), `without the sandbox, ${name} wrote outside`);
      assert.ok(!existsSync(join(outside, `boxed-${name}.txt`)), `with the sandbox, ${name} did not write outside`);
    }
    assert.ok(existsSync(join(repo, 'open-main.txt')));
    assert.ok(!existsSync(join(repo, 'boxed-main.txt')), "the sandboxed worker did not write into the person's checkout");

    const results = model
      .turnsOf('# Task boxed:')
      .at(-1)!
      .body!.messages!.flatMap((m) => (Array.isArray(m.content) ? m.content : []))
      .filter((b) => b.type === 'tool_result')
      .map((b) => textOf(b.content));
    assert.match(results[0], /Read-only file system/, results[0]);
    assert.match(results[1], /Read-only file system/, results[1]);

    for (const id of ['boxed', 'open']) {
      const wt = join(repo, '.baton/worktrees', id);
      assert.equal(git(wt, 'log', '-1', '--format=%s'), `Inside ${id}`, `${id}: git commit worked in its worktree`);
      assert.equal(git(wt, 'show', 'HEAD:inside.txt'), 'inside');
      const heartbeat = JSON.parse(readFileSync(join(repo, '.baton/runs', id, 'heartbeat.json'), 'utf8'));
      assert.equal(heartbeat.progress, 50, `${id}: baton report reached Baton`);
    }
    const boxedTree = git(join(repo, '.baton/worktrees/boxed'), 'ls-tree', '-r', '--name-only', 'HEAD');
    assert.doesNotMatch(boxedTree, /\.claude/, 'the sandbox\'s scratch folder is not committed');
    const settings = JSON.parse(readFileSync(join(repo, '.baton/runs/boxed/claude-settings.json'), 'utf8'));
    assert.equal(settings.sandbox.enabled, true);
    assert.equal(settings.sandbox.allowUnsandboxedCommands, false);
    assert.equal(JSON.parse(readFileSync(join(repo, '.baton/runs/open/claude-settings.json'), 'utf8')).sandbox, undefined);
  });
});

describe('sandbox choice', () => {
  const plan = (text: string) => parsePlan(text, 'baton.yaml');

  it('the strictest wins: the plan turns it on, only the person turns it off', () => {
    const { plan: p } = plan(`version: 1\nbase: main\ndefaults: {sandbox: on}\ntasks:\n  - {id: a, title: A}\n  - {id: b, title: B, sandbox: off}\n`);
    const [a, b] = p.tasks;
    assert.equal(sandboxed('off', p, a), true, "the plan's default turns it on");
    assert.equal(sandboxed('off', p, b), false, "the task's own word wins over the plan's default");
    assert.equal(sandboxed('on', p, b), true, "a plan's off does not turn off the person's on");
    const { plan: q } = plan(`version: 1\nbase: main\ntasks:\n  - {id: a, title: A}\n`);
    assert.equal(sandboxed(undefined, q, q.tasks[0]), false);
    assert.equal(sandboxed('on', q, q.tasks[0]), true);
  });

  it('a sandboxed worker never bypasses permissions: its file tools are not sandboxed', () => {
    assert.equal(sandboxedPermissions({ mode: 'bypassPermissions', allowedTools: [] }).mode, 'acceptEdits');
    assert.equal(sandboxedPermissions({ mode: 'default', allowedTools: [] }).mode, 'default');
  });

  it("network: only the person's hosts, others refused without asking", () => {
    const s = claudeSandboxSettings({ worktree: '/w', gitDir: '/nope/g', gitCommonDir: '/nope/c', branch: 'baton/a', runDir: '/nope/r', requestsDir: '/nope/q', protectedFiles: [] }, ['registry.npmjs.org']) as {
      network: { allowedDomains: string[]; strictAllowlist: boolean };
      failIfUnavailable: boolean;
    };
    assert.deepEqual(s.network, { allowedDomains: ['registry.npmjs.org'], strictAllowlist: true });
    assert.equal(s.failIfUnavailable, true);
  });

  it('reports a wrong value where it is written, in YAML and Markdown', () => {
    const yaml = plan(`version: 1\nbase: main\ntasks:\n  - id: a\n    title: A\n    sandbox: maybe\n`);
    const d = yaml.diagnostics.find((x) => x.code === 'bad-value')!;
    assert.match(d.message, /`sandbox` must be `on`/);
    assert.deepEqual(d.span.start, { line: 6, column: 14 });
    const md = parsePlan('# P\n\n### Phase 1: One\n**Sandbox**: On\n\n### Phase 2: Two\n**Sandbox**: sometimes\n', 'plan.md');
    assert.equal(md.plan.tasks[0].sandbox, 'on');
    const bad = md.diagnostics.find((x) => x.code === 'bad-value')!;
    assert.match(bad.message, /Sandbox "sometimes" is not one of On, Off/);
    assert.equal(bad.span.start.line, 7);
  });

  it("a checkpoint leaves out the sandbox's scratch folder (.claude/.cc-writes/) and commits the rest", async () => {
    const repo = makeRepo(PLAN);
    const layout = new BatonLayout(repo);
    await ensureWorktree(repo, 'boxed', 'main', layout.worktree('boxed'));
    const wt = layout.worktree('boxed');
    mkdirSync(join(wt, '.claude/.cc-writes'), { recursive: true });
    writeFileSync(join(wt, '.claude/.cc-writes/pending'), 'x');
    writeFileSync(join(wt, '.claude/settings.json'), '{}\n');
    writeFileSync(join(wt, 'work.txt'), 'w\n');
    const r = await checkpoint(repo, wt, 'checkpoint');
    assert.ok(r.commit, r.error);
    assert.deepEqual(git(wt, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort(), ['.claude/settings.json', 'work.txt']);
  });
});
