// The real Claude Code CLI (the @anthropic-ai/claude-code devDependency), offline, against the scripted
// model on 127.0.0.1: headless (`claude -p`) and interactive in a pseudo-terminal, in a git worktree, with
// the hooks Baton listens to. test/support/README.md sums up what these runs showed.
//
// The hook events as Claude Code 2.1.330 sent them on stdin (one example each; <tmp> a temp folder,
// <config> CLAUDE_CONFIG_DIR, <sid> the session's UUID). Every event has session_id, transcript_path
// (a JSONL file that exists once the session has a message), cwd (the worktree, symlinks resolved) and
// hook_event_name; all but SessionStart also carry prompt_id; tool events also permission_mode and effort.
//
//   {"session_id":"<sid>","transcript_path":"<config>/projects/-<tmp>-wt/<sid>.jsonl","cwd":"<tmp>/wt",
//    "hook_event_name":"SessionStart","source":"startup"}
//   {..., "prompt_id":"<uuid>","permission_mode":"acceptEdits","hook_event_name":"UserPromptSubmit",
//    "prompt":"Work on task cli-hello: ..."}
//   {..., "prompt_id":"<uuid>","permission_mode":"acceptEdits","effort":{"level":"medium"},
//    "hook_event_name":"PreToolUse","tool_name":"Write",
//    "tool_input":{"file_path":"<tmp>/wt/hello.txt","content":"hello\n"},"tool_use_id":"toolu_scripted_1"}
//   {..., "hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{...as above...},
//    "tool_response":{"type":"create","filePath":"<tmp>/wt/hello.txt","content":"hello\n",
//                     "structuredPatch":[],"originalFile":null,"userModified":false},
//    "tool_use_id":"toolu_scripted_1","duration_ms":9}
//   {..., "hook_event_name":"PreToolUse","tool_name":"Bash",
//    "tool_input":{"command":"git add hello.txt && git commit -m \"Add hello.txt\"","description":"Commit"},
//    "tool_use_id":"toolu_scripted_2"}
//   {..., "hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{...},
//    "tool_response":{"stdout":"[baton/cli-hello 4e65681] Add hello.txt\n ...","stderr":"","interrupted":false,
//                     "isImage":false,"noOutputExpected":false},"tool_use_id":"toolu_scripted_2","duration_ms":362}
//   {..., "hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"Committed hello.txt.",
//    "background_tasks":[],"session_crons":[]}
//   {"session_id":"<sid>","transcript_path":"...","cwd":"<tmp>/wt","prompt_id":"<uuid>",
//    "hook_event_name":"Notification","message":"Claude needs your permission","notification_type":"permission_prompt"}
//   {..., "hook_event_name":"Notification","message":"Claude is waiting for your input","notification_type":"idle_prompt"}
//   {"session_id":"<sid>","transcript_path":"...","cwd":"<tmp>/wt","prompt_id":"<uuid>",
//    "hook_event_name":"SessionEnd","reason":"other"}          (`-p` ends, or SIGTERM/SIGHUP/SIGINT)
//                                   "reason":"prompt_input_exit"  (interactive: /exit, or Ctrl-D twice)
//
// Not one of Baton's seven, but seen: PermissionRequest ({tool_name, tool_input, permission_suggestions})
// fires the moment a permission question is shown, while Notification "permission_prompt" comes ~6 s later.

import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowedRules } from '../../src/core/agents/profiles';
import { findClaudeBinary, makeClaudeEnv, writeHookRecorder, type ClaudeEnv, type HookRecorder } from '../support/claudeEnv';
import { startScriptedModel, textOf, turn, type ContentBlock, type ScriptedModel } from '../support/scriptedModel';
import { startTerminal, type TerminalSession } from '../support/terminalSession';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();
}

/** A repository on `main` with one commit, and a worktree per task id on branch `baton/<id>` beside it. */
function repoWithWorktrees(...ids: string[]) {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'baton-claude-')));
  const repo = join(base, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  git(repo, 'config', 'user.email', 'worker@example.com');
  git(repo, 'config', 'user.name', 'Worker');
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'init');
  const worktrees = Object.fromEntries(ids.map((id) => [id, join(base, `wt-${id}`)]));
  for (const id of ids) git(repo, 'worktree', 'add', '-q', '-b', `baton/${id}`, worktrees[id]);
  return { base, repo, worktrees };
}

/** The worker's job: write a file, commit it, say so. */
function commitScript(worktree: string, file: string) {
  return [
    turn.write(join(worktree, file), `${file}\n`),
    { tool: 'Bash', input: { command: `git add ${file} && git commit -m "Add ${file}"`, description: 'Commit' } },
    turn.text(`Committed ${file}.`),
  ];
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `claude <args>` with the prompt on stdin; killed after `timeoutMs`. */
function runHeadless(claude: string, args: string[], prompt: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(claude, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`claude ${args.join(' ')} did not finish within ${timeoutMs} ms.\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(prompt);
  });
}

/** Resolves with the first hook event that `match` accepts; fails after `timeoutMs`. */
async function hookEvent(hooks: HookRecorder, match: (e: Record<string, unknown>) => boolean, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = hooks.events().find(match);
    if (found) return found;
    if (Date.now() > until) {
      throw new Error(`No such hook event within ${timeoutMs} ms; got: ${hooks.events().map((e) => e.hook_event_name).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes `key` every 700 ms until the program exits; kills it and fails after `timeoutMs`. */
async function pressUntilExit(terminal: TerminalSession, key: string, timeoutMs: number) {
  const presses = setInterval(() => terminal.write(key), 700);
  const timer = setTimeout(() => terminal.kill(), timeoutMs);
  terminal.write(key);
  try {
    const exit = await terminal.exited;
    assert.notEqual(exit.signal, 9, `the program did not exit within ${timeoutMs} ms of ${JSON.stringify(key)}:\n${terminal.text().slice(-1500)}`);
    return exit;
  } finally {
    clearInterval(presses);
    clearTimeout(timer);
  }
}

/** "Name" or "Name:tool" or "Name:notification_type", for comparing sequences. */
const label = (e: Record<string, unknown>) =>
  [e.hook_event_name, e.tool_name ?? e.notification_type].filter((part) => part !== undefined).join(':');

/** The tool_result blocks the CLI sent back, in order. */
function toolResults(model: ScriptedModel, marker: string): ContentBlock[] {
  const last = model.turnsOf(marker).at(-1)?.body?.messages ?? [];
  return last.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((b) => b.type === 'tool_result') : []));
}

describe('Claude Code CLI (real binary, scripted model on loopback)', function () {
  this.timeout(30_000);
  let claude: string;
  let model: ScriptedModel;
  const cleanups: (() => void)[] = [];

  before(async () => {
    // Throws, saying how to install it, when the CLI is missing: these tests never skip silently.
    claude = findClaudeBinary();
    const version = execFileSync(claude, ['--version'], { encoding: 'utf8', timeout: 15_000 });
    assert.match(version, /\(Claude Code\)/, `${claude} --version printed: ${version}`);
    model = await startScriptedModel();
  });

  after(async () => {
    await model?.close();
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  function setUp(...ids: string[]) {
    const repo = repoWithWorktrees(...ids);
    const hooks = writeHookRecorder(repo.base);
    cleanups.push(() => rmSync(repo.base, { recursive: true, force: true }));
    return { ...repo, hooks };
  }

  function env(options: Parameters<typeof makeClaudeEnv>[0]): ClaudeEnv {
    const made = makeClaudeEnv(options);
    cleanups.push(made.dispose);
    return made;
  }

  it('-p: writes and commits a file in its worktree with acceptEdits and Baton\'s git rules, hooks in order, exit 0', async () => {
    const { repo, worktrees, hooks } = setUp('cli-hello');
    const wt = worktrees['cli-hello'];
    model.script('task cli-hello', commitScript(wt, 'hello.txt'));
    const claudeEnv = env({ baseUrl: model.url, trustedFolders: [wt] });

    const args = ['-p', '--settings', hooks.settingsFile, '--permission-mode', 'acceptEdits', '--allowedTools', ...allowedRules([]).rules];
    const run = await runHeadless(claude, args, 'Work on task cli-hello: add hello.txt and commit it.', wt, claudeEnv.env);

    assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    assert.equal(run.stdout.trim(), 'Committed hello.txt.');
    assert.equal(git(wt, 'log', '-1', '--format=%s', 'baton/cli-hello'), 'Add hello.txt');
    assert.equal(git(wt, 'show', 'baton/cli-hello:hello.txt'), 'hello.txt');
    assert.equal(git(wt, 'status', '--porcelain'), '', 'nothing left uncommitted');
    assert.equal(git(repo, 'log', '-1', '--format=%s', 'main'), 'init', 'main is untouched');

    // The model saw the prompt, then each tool's result, none an error.
    assert.deepEqual(model.turnsOf('task cli-hello').map((r) => r.turn), [0, 1, 2]);
    assert.deepEqual(toolResults(model, 'task cli-hello').map((b) => b.is_error ?? false), [false, false]);
    assert.match(textOf(toolResults(model, 'task cli-hello')[1].content), /\[baton\/cli-hello [0-9a-f]+\] Add hello\.txt/);

    const events = hooks.events();
    assert.deepEqual(events.map(label), [
      'SessionStart',
      'UserPromptSubmit',
      'PreToolUse:Write',
      'PostToolUse:Write',
      'PreToolUse:Bash',
      'PostToolUse:Bash',
      'Stop',
      'SessionEnd',
    ]);
    const [start, prompt, preWrite, postWrite, preBash, postBash, stop, end] = events;
    const sessionId = start.session_id;
    assert.match(String(sessionId), /^[0-9a-f-]{36}$/);
    for (const e of events) {
      assert.equal(e.session_id, sessionId, `${label(e)} has the session id`);
      assert.equal(e.cwd, wt, `${label(e)} has the worktree as cwd`);
      assert.equal(e.transcript_path, start.transcript_path);
    }
    assert.ok(String(start.transcript_path).startsWith(claudeEnv.configDir), 'transcripts live in CLAUDE_CONFIG_DIR');
    assert.ok(existsSync(String(start.transcript_path)), 'the transcript exists');
    assert.equal(start.source, 'startup');
    assert.equal(prompt.prompt, 'Work on task cli-hello: add hello.txt and commit it.');
    assert.equal(prompt.permission_mode, 'acceptEdits');
    assert.deepEqual(preWrite.tool_input, { file_path: join(wt, 'hello.txt'), content: 'hello.txt\n' });
    assert.equal(preWrite.tool_use_id, postWrite.tool_use_id);
    assert.equal((postWrite.tool_response as { type: string }).type, 'create');
    assert.deepEqual(preBash.tool_input, { command: 'git add hello.txt && git commit -m "Add hello.txt"', description: 'Commit' });
    assert.match((postBash.tool_response as { stdout: string }).stdout, /Add hello\.txt/);
    assert.equal(stop.last_assistant_message, 'Committed hello.txt.');
    assert.equal(end.reason, 'other');
  });

  it('-p: two workers share one server, each follows its own script in its own worktree', async () => {
    const { worktrees, hooks } = setUp('cli-one', 'cli-two');
    const claudeEnv = env({ baseUrl: model.url, trustedFolders: Object.values(worktrees) });
    const args = ['-p', '--settings', hooks.settingsFile, '--permission-mode', 'acceptEdits', '--allowedTools', ...allowedRules([]).rules];
    const runs = await Promise.all(
      ['cli-one', 'cli-two'].map((id) => {
        model.script(`task ${id}:`, commitScript(worktrees[id], `${id}.txt`));
        return runHeadless(claude, args, `Work on task ${id}: add ${id}.txt.`, worktrees[id], claudeEnv.env);
      }),
    );
    for (const [i, id] of ['cli-one', 'cli-two'].entries()) {
      assert.equal(runs[i].code, 0, runs[i].stderr);
      assert.equal(git(worktrees[id], 'ls-tree', '--name-only', `baton/${id}`), `README.md\n${id}.txt`, `${id}'s branch holds only its own file`);
      assert.equal(model.turnsOf(`task ${id}:`).length, 3);
    }
    assert.equal(new Set(hooks.events().map((e) => e.session_id)).size, 2, 'two sessions');
  });

  it('-p: without an allowed rule the tool is refused (not run, no hang) and the worker still exits 0', async () => {
    const { worktrees, hooks } = setUp('cli-denied');
    const wt = worktrees['cli-denied'];
    model.script('task cli-denied', [turn.bash('git commit --allow-empty -m "should not happen"', 'Commit'), turn.text('Could not commit.')]);
    const claudeEnv = env({ baseUrl: model.url, trustedFolders: [wt] });
    const run = await runHeadless(claude, ['-p', '--settings', hooks.settingsFile, '--permission-mode', 'acceptEdits'], 'Work on task cli-denied.', wt, claudeEnv.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(git(wt, 'log', '-1', '--format=%s'), 'init', 'nothing was committed');
    const [result] = toolResults(model, 'task cli-denied');
    assert.equal(result.is_error, true);
    assert.match(textOf(result.content), /requires approval/);
    assert.deepEqual(hooks.events().map(label), ['SessionStart', 'UserPromptSubmit', 'PreToolUse:Bash', 'Stop', 'SessionEnd']);
  });

  it('-p with Baton\'s rules: the gate runs exactly as written and git commits, but nothing reaches further', async () => {
    const { worktrees, hooks } = setUp('cli-rules');
    const wt = worktrees['cli-rules'];
    const tries = [
      'echo gate-ran', // the gate, exactly
      `echo gate-ran && node -e "require('fs').writeFileSync('pwned-after-gate', '')"`, // the gate followed by anything
      "git -c alias.x='!touch pwned-by-alias' x", // git configured from the command line
      'git -c core.pager="touch pwned-by-pager" log', // same, through the pager
      'git config core.hooksPath .', // git configuration
      `node -e "require('fs').writeFileSync('work.txt', '')"`, // not a gate at all
      'git status --short && git commit --allow-empty -m "Commit work"', // what a worker needs
    ];
    model.script('task cli-rules', [...tries.map((c) => turn.bash(c, 'Try')), turn.text('Done.')]);
    const claudeEnv = env({ baseUrl: model.url, trustedFolders: [wt] });
    const args = ['-p', '--settings', hooks.settingsFile, '--permission-mode', 'acceptEdits', '--allowedTools', ...allowedRules(['echo gate-ran']).rules];
    const run = await runHeadless(claude, args, 'Work on task cli-rules.', wt, claudeEnv.env);
    assert.equal(run.code, 0, run.stderr);
    const results = toolResults(model, 'task cli-rules').map((b) => (b.is_error ? 'refused' : 'ran'));
    assert.deepEqual(results, ['ran', 'refused', 'refused', 'refused', 'refused', 'refused', 'ran']);
    for (const f of ['pwned-after-gate', 'pwned-by-alias', 'pwned-by-pager', 'work.txt']) assert.ok(!existsSync(join(wt, f)), `${f} was not made`);
    assert.equal(git(wt, 'config', '--list', '--local').includes('hookspath'), false, 'git configuration unchanged');
    assert.equal(git(wt, 'log', '-1', '--format=%s'), 'Commit work');
  });

  it('-p --permission-mode bypassPermissions: any tool runs without a rule; as root only with IS_SANDBOX=1', async () => {
    const { worktrees, hooks } = setUp('cli-bypass');
    const wt = worktrees['cli-bypass'];
    model.script('task cli-bypass', [turn.bash('touch made-by-bypass.txt', 'Touch'), turn.text('Touched.')]);
    const args = ['-p', '--settings', hooks.settingsFile, '--permission-mode', 'bypassPermissions'];
    const prompt = 'Work on task cli-bypass.';
    if (process.getuid?.() === 0) {
      const refused = await runHeadless(claude, args, prompt, wt, env({ baseUrl: model.url, trustedFolders: [wt] }).env);
      assert.equal(refused.code, 1);
      assert.match(refused.stdout + refused.stderr, /--dangerously-skip-permissions cannot be used with root\/sudo privileges/);
      assert.ok(!existsSync(join(wt, 'made-by-bypass.txt')));
    }
    const run = await runHeadless(claude, args, prompt, wt, env({ baseUrl: model.url, trustedFolders: [wt], bypassPermissions: true }).env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(join(wt, 'made-by-bypass.txt')));
    assert.equal(hooks.events().find((e) => e.hook_event_name === 'PreToolUse')?.permission_mode, 'bypassPermissions');
  });

  describe('interactive, in a pseudo-terminal', () => {
    let terminal: TerminalSession | undefined;
    afterEach(() => terminal?.kill());

    it('asks whether to trust a folder it has not seen; no hook runs and no request is made before the answer', async () => {
      const { worktrees, hooks } = setUp('cli-untrusted');
      const wt = worktrees['cli-untrusted'];
      const claudeEnv = env({ baseUrl: model.url });
      const before = model.requests.length;
      terminal = startTerminal(claude, ['--settings', hooks.settingsFile, '--permission-mode', 'acceptEdits', '--', 'Work on task cli-untrusted.'], {
        cwd: wt,
        env: claudeEnv.env,
      });
      await terminal.waitFor(/Is\s*this\s*a\s*project\s*you\s*created\s*or\s*one\s*you\s*trust/, 15_000);
      await terminal.waitFor(/No,\s*exit[\s\S]*Yes,\s*I\s*trust\s*this\s*folder/, 5_000);
      // Enter picks the default answer, "No, exit". A key that comes before the dialog listens is lost,
      // so press again until the CLI is gone.
      const exit = await pressUntilExit(terminal, '\r', 10_000);
      assert.equal(exit.exitCode, 1, 'declining the trust question exits with code 1');
      assert.deepEqual(hooks.events(), [], 'hooks from --settings do not run in an untrusted folder');
      assert.equal(model.requests.length, before, 'and the model was never asked');
    });

    it('trusted through its repository: hooks fire, Notification on a permission question and when idle, /exit ends it', async () => {
      const { repo, worktrees, hooks } = setUp('cli-tty');
      const wt = worktrees['cli-tty'];
      model.script('task cli-tty', commitScript(wt, 'tty.txt'));
      // Trusting the main checkout covers its worktrees: no question here.
      const claudeEnv = env({ baseUrl: model.url, trustedFolders: [repo], idleNotificationMs: 1000 });
      // Default mode: the Write asks for permission; git is allowed, so the commit does not.
      const args = ['--settings', hooks.settingsFile, '--permission-mode', 'default', '--allowedTools', 'Bash(git:*)', '--', 'Work on task cli-tty: add tty.txt.'];
      terminal = startTerminal(claude, args, { cwd: wt, env: claudeEnv.env });

      await terminal.waitFor(/Do\s*you\s*want\s*to\s*create\s*tty\.txt\?/, 15_000);
      const asked = await hookEvent(hooks, (e) => e.hook_event_name === 'Notification', 12_000);
      assert.equal(asked.notification_type, 'permission_prompt');
      assert.equal(asked.message, 'Claude needs your permission');
      terminal.write('1'); // "1. Yes"

      await terminal.waitFor(/Committed\s*tty\.txt\./, 15_000);
      const idle = await hookEvent(hooks, (e) => e.notification_type === 'idle_prompt', 10_000);
      assert.equal(idle.message, 'Claude is waiting for your input');

      terminal.write('/exit');
      await terminal.waitFor(/\/exit/, 5_000);
      terminal.write('\r');
      const exit = await terminal.exited;
      assert.equal(exit.exitCode, 0);

      assert.equal(git(wt, 'log', '-1', '--format=%s'), 'Add tty.txt');
      assert.deepEqual(hooks.events().map(label), [
        'SessionStart',
        'UserPromptSubmit',
        'PreToolUse:Write',
        'Notification:permission_prompt',
        'PostToolUse:Write',
        'PreToolUse:Bash',
        'PostToolUse:Bash',
        'Stop',
        'Notification:idle_prompt',
        'SessionEnd',
      ]);
      assert.equal(hooks.events().at(-1)?.reason, 'prompt_input_exit');
    });
  });
});

describe('scripted model (the Messages API stub itself)', () => {
  let model: ScriptedModel;
  before(async () => {
    model = await startScriptedModel({ 'task-x': [turn.bash('ls', 'List'), turn.text('Done here.')] });
  });
  after(() => model.close());

  const post = (path: string, body: unknown) =>
    fetch(`${model.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const request = (messages: unknown[], extra: Record<string, unknown> = {}) => ({
    model: 'm',
    stream: true,
    system: [{ type: 'text', text: 'system' }],
    tools: [{ name: 'Bash' }],
    messages,
    ...extra,
  });
  const firstPrompt = { role: 'user', content: [{ type: 'text', text: 'Work on task-x' }] };

  /** The `data:` objects of a server-sent event stream. */
  async function events(res: Response): Promise<Record<string, unknown>[]> {
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    return (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((chunk) => {
        const [event, data] = chunk.split('\n');
        const parsed = JSON.parse(data.slice('data: '.length)) as Record<string, unknown>;
        assert.equal(event, `event: ${parsed.type}`);
        return parsed;
      });
  }

  it('streams a tool call as message_start, content_block_* with input_json_delta, message_delta tool_use, message_stop', async () => {
    const stream = await events(await post('/v1/messages?beta=true', request([firstPrompt])));
    assert.deepEqual(
      stream.map((e) => e.type),
      ['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
    );
    const json = stream
      .filter((e) => e.type === 'content_block_delta')
      .map((e) => (e.delta as { partial_json: string }).partial_json)
      .join('');
    assert.deepEqual(JSON.parse(json), { command: 'ls', description: 'List' });
    assert.deepEqual((stream[1].content_block as ContentBlock).name, 'Bash');
    assert.equal((stream[5].delta as { stop_reason: string }).stop_reason, 'tool_use');
    assert.ok(((stream[5].usage as { output_tokens: number }).output_tokens ?? 0) > 0);
  });

  it('moves to the next turn once the tool_result comes back; past the end it says it is done', async () => {
    const toolUse = { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: {} }] };
    const toolResult = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a.txt' }] };
    const stream = await events(await post('/v1/messages', request([firstPrompt, toolUse, toolResult])));
    assert.equal((stream[2].delta as { text: string }).text, 'Done here.');
    assert.equal((stream.at(-2)?.delta as { stop_reason: string }).stop_reason, 'end_turn');
    const more = [firstPrompt, toolUse, toolResult, { role: 'assistant', content: 'Done here.' }, { role: 'user', content: 'and?' }];
    const res = await post('/v1/messages', request(more, { stream: false }));
    const body = (await res.json()) as { content: ContentBlock[]; stop_reason: string };
    assert.deepEqual(body.content, [{ type: 'text', text: 'Done.' }]);
    assert.equal(body.stop_reason, 'end_turn');
    assert.deepEqual(model.turnsOf('task-x').slice(-2).map((r) => r.turn), [1, 2]);
  });

  it('answers requests without tools briefly, without moving any script; counts tokens; 404s and 400s the rest', async () => {
    const side = await post('/v1/messages', request([firstPrompt], { tools: [], stream: false }));
    assert.equal(((await side.json()) as { content: ContentBlock[] }).content[0].text, 'Scripted task');
    assert.equal(model.requests.at(-1)?.kind, 'side');

    const count = await post('/v1/messages/count_tokens', request([firstPrompt]));
    assert.ok(((await count.json()) as { input_tokens: number }).input_tokens > 0);

    const missing = await fetch(`${model.url}/v1/models`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { type: string }).type, 'error');

    const stranger = await post('/v1/messages', request([{ role: 'user', content: 'nobody we know' }]));
    assert.equal(stranger.status, 400);
    assert.match(((await stranger.json()) as { error: { message: string } }).error.message, /no script's marker/);
  });
});
