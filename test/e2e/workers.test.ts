// Workers as a person meets them: Baton in a real VS Code (code-server in Chromium, test/host/harness.ts)
// starts the REAL Claude Code CLI (from npm) in terminals, and that CLI talks to a scripted Messages API
// on 127.0.0.1 (test/support/scriptedModel.ts). Everything is done through the UI, and what the person
// would see is checked: the Tasks and Workers views, terminals, the status bar, notifications. Git and
// the processes are checked from outside. Screenshots land in test-results/.
//
//   npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/workers.test.ts
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Host, startHost, type TreeRow } from '../host/harness';
import { packageBaton } from '../host/package-baton';
import { CLAUDE_TEAM_PLAN } from '../support/plans';
import { type ClaudeWorkspace, makeClaudeWorkspace } from '../support/claudeWorkspace';
import { poll } from '../support/poll';
import { type ClaudeEnv } from '../support/claudeEnv';
import { type ScriptedModel, textOf, turn, type Turn } from '../support/scriptedModel';

const PLAN = CLAUDE_TEAM_PLAN;

/** Added to the plan later, as a person would while the first workers are in review. */
const MORE_TASKS = `  - id: slow
    title: Slow migration
    description: Run the long migration.
    gates: ["sh scripts/migrate.sh"]
  - id: ask
    title: Pick a colour
    description: Write colour.txt in the colour the person wants.
`;

/**
 * The slow task's gate: long enough to reload the window and crash the extension host in the middle of
 * it. (Claude Code blocks `sleep 30` as a command of its own, even followed by `&& echo`; the plan's
 * gates are always allowed.)
 */
const MIGRATE = 'sleep 40\necho migrated\n';

/** The settings a person would choose for unattended workers (what the Claude settings page offers). */
const SETTINGS = {
  'baton.claude.trustWorktrees': 'always',
  'baton.claude.allowedTools': ['Bash(sleep:*)', 'Bash(baton:*)'],
  // The real terminal would ask before closing a window with running processes.
  'terminal.integrated.confirmOnExit': 'never',
  'terminal.integrated.confirmOnKill': 'never',
};

/** A key that starts the task that waits for both others: how a person calls a command with an argument. */
const START_GAMMA_KEY = { key: 'ctrl+alt+shift+g', command: 'baton.startWorker', args: 'gamma' };

/**
 * Each worker's script is found by a line only its own prompt has: the heading `# Task <id>: <title>`.
 * (A title alone also appears in the prompts of tasks that run alongside it.)
 */
const marker = (id: string, title: string) => `# Task ${id}: ${title}`;

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Command lines of this machine's processes, as argument arrays, by pid. */
function processes(): Map<number, { args: string[]; environ: () => string }> {
  const out = new Map<number, { args: string[]; environ: () => string }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const environ = () => {
        try {
          return fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
        } catch {
          return '';
        }
      };
      out.set(Number(entry), { args, environ });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Pids of the supervisors (`baton supervise <id> ...`) of this task under this repository. */
function supervisors(taskId: string, root: string): number[] {
  return [...processes()]
    .filter(([, p]) => {
      const at = p.args.indexOf('supervise');
      return at !== -1 && p.args[at + 1] === taskId && p.args.includes(root);
    })
    .map(([pid]) => pid);
}

/** Kills the processes working in `dir` (a worker's tools, e.g. a gate it runs); returns their command lines. */
function killProcessesIn(dir: string): string[] {
  const killed: string[] = [];
  for (const [pid, p] of processes()) {
    let cwd: string;
    try {
      cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    if (cwd !== dir && !cwd.startsWith(dir + path.sep)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(p.args.join(' ').slice(0, 60));
    } catch {
      /* gone meanwhile */
    }
  }
  return killed;
}

/** The "Running" in "Running · Bash sleep 30 · 4s". */
const stateOf = (row: TreeRow | undefined) => row?.description.split(' · ')[0];

describe('Workers in VS Code, with the real Claude Code CLI', function () {
  // Each scenario takes 2-20 s; its waits are bounded below this.
  this.timeout(120_000);
  let host: Host;
  let workspace: string;
  let model: ScriptedModel;
  let claude: ClaudeEnv;
  let setup: ClaudeWorkspace | undefined;
  const worktree = (id: string) => path.join(workspace, '.baton', 'worktrees', id);

  /** Writes a file in the worker's worktree (the Write tool wants an absolute path) and commits it with git. */
  const writeAndCommit = (id: string, file: string, content: string, extra: Turn[] = []): Turn[] => [
    turn.write(path.join(worktree(id), file), content),
    ...extra,
    turn.bash(`git add ${file} && git commit -m "Add ${file}"`, 'Commit the work'),
    turn.text(`Wrote and committed ${file}.`),
  ];

  const workerRows = () => host.treeRows('Workers', { atLeast: 0, timeoutMs: 2000 });
  const taskRows = () => host.treeRows('Tasks', { atLeast: 0, timeoutMs: 2000 });
  /** Waits until the Workers view shows the worker titled `title` in a state `state` accepts. */
  const workerRow = (title: string, state: string | RegExp, timeoutMs = 60_000) =>
    poll(
      `"${title}" in the Workers view as ${state}`,
      async () => {
        const row = (await workerRows()).find((r) => r.label === title);
        const s = stateOf(row);
        return s !== undefined && (typeof state === 'string' ? s === state : state.test(s)) ? row : undefined;
      },
      timeoutMs,
    );
  const statusBar = (text: string | RegExp, timeoutMs = 30_000) =>
    host.page.locator('.part.statusbar .statusbar-item', { hasText: text }).first().waitFor({ state: 'visible', timeout: timeoutMs });
  /** The names of the terminals in the panel (one tab, or the tabs list). */
  const terminalNames = () =>
    host.page
      .locator('.part.panel .single-terminal-tab, .part.panel .terminal-tabs-entry .label-name')
      .evaluateAll((els) => els.map((el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim()));
  /** The name of the terminal in front. */
  const activeTerminal = async () => {
    const names = await host.page
      .locator('.part.panel .single-terminal-tab, .part.panel .terminal-tabs-entry.is-active .label-name')
      .evaluateAll((els) => els.map((el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim()));
    return names[0];
  };
  const terminalOpen = (name: string) =>
    poll(`a terminal named "${name}"`, async () => ((await terminalNames()).some((n) => n === name || n.startsWith(`${name} `)) ? true : undefined), 20_000);

  before(async function () {
    this.timeout(300_000); // packages Baton and starts code-server
    const vsix = packageBaton();
    // A worker's tools (the slow gate's sleep) may outlive its terminal: end what runs in the workspace too.
    setup = await makeClaudeWorkspace({ files: { 'baton.yaml': PLAN, 'README.md': '# Claude team\n', 'scripts/migrate.sh': MIGRATE }, alsoEnd: killProcessesIn });
    ({ workspace, model, claude } = setup);
    host = await startHost({ workspace, extensionVsix: vsix, name: 'e2e-workers', env: setup.env, settings: SETTINGS, keybindings: [START_GAMMA_KEY] });
    await host.openViewContainer('Baton');
    await poll('the plan in the Tasks view', async () => ((await taskRows()).some((r) => r.label === 'Gamma joins them') ? true : undefined));
  });

  after(async function () {
    await host?.stop();
    await setup?.dispose();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await host?.screenshot(`e2e-failed-${this.currentTest.title}`).catch(() => undefined);
      // Each worker's terminal too: what Claude Code showed is the first clue.
      for (const tab of await host.page.locator('.part.panel .terminal-tabs-entry').all().catch(() => [])) {
        const name = ((await tab.textContent().catch(() => '')) ?? '').trim();
        if (!name.startsWith('Baton: ')) continue;
        await tab.click().catch(() => undefined);
        await host.screenshot(`e2e-failed-terminal-${name.slice(7).split(' ')[0]}`).catch(() => undefined);
      }
    }
  });

  it('offers only ready tasks to Start Worker, and refuses the task that waits, naming what it waits for', async () => {
    await host.runCommand('Baton: Start Worker');
    assert.deepEqual(await host.quickPickItems(), ['Alpha feature', 'Beta feature']);
    await host.page.keyboard.press('Escape');

    await host.runCommand('View: Focus into Primary Side Bar');
    await host.page.keyboard.press('Control+Alt+Shift+KeyG');
    const warning = await host.waitForNotification('cannot start yet');
    assert.equal(warning, '"gamma" cannot start yet: it waits for "alpha", "beta" to be approved.');
    assert.equal(supervisors('gamma', workspace).length, 0);
    assert.ok(!fs.existsSync(worktree('gamma')), 'no worktree for a task that cannot start');
    assert.equal(git(workspace, 'branch', '--list', '--format=%(refname:short)', 'baton/gamma'), '');
    const trusted = JSON.parse(fs.readFileSync(path.join(claude.configDir, '.claude.json'), 'utf8')).projects ?? {};
    assert.equal(trusted[worktree('gamma')], undefined, 'no Claude Code folder trust is recorded for a task that cannot start');
    await host.clearNotifications();
  });

  it('starts one worker from the Tasks view and one with Start Ready Tasks; each goes Starting → Running → Review with its commit on its branch', async () => {
    model.script(marker('alpha', 'Alpha feature'), writeAndCommit('alpha', 'alpha.txt', 'alpha\n', [turn.bash('sleep 3', 'Run the tests')]));
    model.script(marker('beta', 'Beta feature'), writeAndCommit('beta', 'beta.txt', 'beta\n', [turn.bash('sleep 3', 'Run the tests')]));
    // What the two views show, sampled all along: worker state labels and task icons, each change once.
    const seen = new Map<string, string[]>();
    const note = (key: string, value: string | undefined) => {
      if (!value) return;
      const list = seen.get(key) ?? [];
      if (list.at(-1) !== value) seen.set(key, [...list, value]);
    };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [workers, tasks] = await Promise.all([workerRows().catch(() => []), taskRows().catch(() => [])]);
        for (const r of workers) note(`worker ${r.label}`, stateOf(r));
        for (const r of tasks) if (r.level === 2) note(`task ${r.label}`, r.icon);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      const t0 = Date.now();
      await host.clickTreeRowAction('Tasks', 'Alpha feature', 'Start Worker');
      await terminalOpen('Baton: alpha');
      await workerRow('Alpha feature', 'Running');
      await statusBar('Baton: 1 running · 1 ready');

      await host.runCommand('Baton: Start Ready Tasks');
      await terminalOpen('Baton: beta');
      await workerRow('Beta feature', 'Running');
      await statusBar(/Baton: [12] running · 0 ready/);
      await host.screenshot('e2e-workers-running');

      await workerRow('Alpha feature', 'Review');
      await workerRow('Beta feature', 'Review');
      await host.waitForNotification('Worker "alpha" finished: its work is ready for review.');
      await host.waitForNotification('Worker "beta" finished: its work is ready for review.');
      await statusBar('Baton: 0 running · 0 ready · 2 needs you');
      console.log(`      two workers from start to review: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await host.screenshot('e2e-workers-review');
    } finally {
      sampling = false;
      await sampler;
    }
    const order = (key: string, expected: string[]) => {
      const got = seen.get(key) ?? [];
      const at = expected.map((s) => got.indexOf(s));
      assert.ok(at.every((i, n) => i !== -1 && (n === 0 || i > at[n - 1])), `${key}: expected ${expected.join(' → ')} in that order, saw ${got.join(' → ')}`);
    };
    for (const title of ['Alpha feature', 'Beta feature']) {
      order(`worker ${title}`, ['Running', 'Review']);
      order(`task ${title}`, ['play-circle', 'sync', 'eye']);
    }
    // "Starting" lasts from the supervisor's first heartbeat to Claude Code's SessionStart hook: about a second.
    assert.ok(
      ['Alpha feature', 'Beta feature'].some((t) => seen.get(`worker ${t}`)?.[0] === 'Starting' || seen.get(`task ${t}`)?.includes('loading')),
      'a worker was seen Starting',
    );
    assert.deepEqual(seen.get('task Gamma joins them'), ['lock'], 'the task waiting for both stays blocked');

    for (const [id, file] of [['alpha', 'alpha.txt'], ['beta', 'beta.txt']]) {
      assert.equal(git(workspace, 'log', '-1', '--format=%s', `baton/${id}`), `Add ${file}`);
      assert.equal(git(workspace, 'show', `baton/${id}:${file}`), id);
      assert.equal(git(worktree(id), 'rev-parse', '--abbrev-ref', 'HEAD'), `baton/${id}`);
      assert.equal(supervisors(id, workspace).length, 1, `one supervisor for ${id}`);
    }
    assert.equal(git(workspace, 'rev-list', '--count', 'main'), '1', 'main is untouched until approval');
    assert.equal(git(workspace, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    await host.clearNotifications();
  });

  it('adopts a running worker after a window reload and after an extension host crash: same state, its terminal, one supervisor, one worktree', async () => {
    // The person adds two tasks to the plan while the first two wait for review.
    fs.appendFileSync(path.join(workspace, 'baton.yaml'), MORE_TASKS);
    await poll('the new tasks in the Tasks view', async () => ((await taskRows()).some((r) => r.label === 'Slow migration') ? true : undefined));
    model.script(marker('slow', 'Slow migration'), [turn.bash('sh scripts/migrate.sh', 'Run the migration'), turn.text('Migrated.')]);

    await host.runCommand('Baton: Start Worker');
    assert.deepEqual(await host.quickPickItems(), ['Slow migration', 'Pick a colour']);
    await host.chooseQuickPickItem('Slow migration');
    await terminalOpen('Baton: slow');
    const migrating = (row: TreeRow | undefined) => stateOf(row) === 'Running' && row!.description.includes('Bash sh scripts/migrate.sh');
    await poll('the worker in its migration', async () => (migrating((await workerRows()).find((r) => r.label === 'Slow migration')) ? true : undefined));
    const [supervisor, ...more] = supervisors('slow', workspace);
    assert.ok(supervisor && more.length === 0, 'one supervisor runs');
    const heartbeatPid = () => JSON.parse(fs.readFileSync(path.join(workspace, '.baton/runs/slow/heartbeat.json'), 'utf8')).pid;
    assert.equal(heartbeatPid(), supervisor);

    const extensionHosts = () =>
      [...processes()].filter(([, p]) => p.args.includes('--type=extensionHost') && p.environ().includes(claude.configDir)).map(([pid]) => pid);
    const [firstHost] = extensionHosts();
    assert.ok(firstHost, 'the extension host of this window is found');

    /** After Baton came back: the worker as it was, its terminal found again, and nothing started twice. */
    const sameWorker = async (after: string, oldHost: number) => {
      const t0 = Date.now();
      const newHost = await poll(`a new extension host after ${after}`, () => extensionHosts().find((pid) => pid !== oldHost), 60_000);
      // The terminal of a reloaded window comes back nameless and gets its name a moment later; the
      // Workers view offers Show Terminal again once Baton has found it.
      const row = await poll(
        `the worker with its terminal after ${after}`,
        async () => {
          const r = (await workerRows()).find((x) => x.label === 'Slow migration');
          return migrating(r) && r!.actions.includes('Show Terminal') ? r : undefined;
        },
        30_000,
      );
      console.log(`      ${after}: Baton showed the worker with its terminal again after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      assert.equal(row.icon, 'sync');
      assert.deepEqual(supervisors('slow', workspace), [supervisor], `still exactly one supervisor after ${after}`);
      assert.equal(heartbeatPid(), supervisor);
      const worktrees = git(workspace, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l === 'branch refs/heads/baton/slow');
      assert.equal(worktrees.length, 1, 'one worktree for the task');
      assert.equal(git(workspace, 'branch', '--list', '--format=%(refname:short)', 'baton/slow*'), 'baton/slow', 'one branch for the task');
      // Show Terminal brings the worker's own terminal forward (after another one was put in front).
      await host.clickTreeRowAction('Workers', 'Alpha feature', 'Show Terminal');
      await poll('alpha\'s terminal in front', async () => ((await activeTerminal())?.startsWith('Baton: alpha') ? true : undefined), 10_000);
      await host.clickTreeRowAction('Workers', 'Slow migration', 'Show Terminal');
      await poll('the slow worker\'s terminal in front', async () => ((await activeTerminal())?.startsWith('Baton: slow') ? true : undefined), 10_000);
      return newHost;
    };

    await host.runCommand('Developer: Reload Window');
    await host.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    const secondHost = await sameWorker('a window reload', firstHost);
    await host.screenshot('e2e-workers-after-reload');

    // A crash: the extension host is killed; VS Code starts a new one and Baton activates again.
    process.kill(secondHost, 'SIGKILL');
    await sameWorker('an extension host crash', secondHost);
    await host.clearNotifications();
  });

  it('shows Failed when the worker\'s supervisor is killed, and keeps its worktree and branch', async () => {
    const [supervisor] = supervisors('slow', workspace);
    assert.ok(supervisor, 'the slow worker still runs');
    process.kill(-supervisor, 'SIGKILL'); // its whole process group: the supervisor and Claude Code
    const row = await workerRow('Slow migration', 'Failed', 20_000);
    // Claude Code ran `sh scripts/migrate.sh` (and its `sleep 40`) in a process group of its own, out of
    // reach of the group kill: Baton ends it once it sees the supervisor gone, before it shows Failed.
    const left = killProcessesIn(worktree('slow'));
    assert.deepEqual(left, [], 'nothing the worker started is left running in its worktree');
    assert.match(row.description, /the worker process is gone/);
    assert.equal(row.icon, 'error');
    await host.waitForNotification('Worker "slow" failed');
    assert.ok(fs.existsSync(path.join(worktree('slow'), 'scripts', 'migrate.sh')), 'the worktree is kept');
    assert.equal(git(workspace, 'branch', '--list', '--format=%(refname:short)', 'baton/slow'), 'baton/slow', 'the branch is kept');
    assert.deepEqual(supervisors('slow', workspace), []);
    // The Tasks view follows the same change, a moment later under load: wait for it.
    const task = await poll('the task shown as failed in the Tasks view', async () => {
      const r = (await taskRows()).find((x) => x.label === 'Slow migration');
      return r?.icon === 'error' ? r : undefined;
    }, 20_000).catch(async (e) => {
      throw new Error(`${(e as Error).message}; the row: ${JSON.stringify((await taskRows()).find((x) => x.label === 'Slow migration'))}`);
    });
    assert.equal(task.icon, 'error');
    await host.clearNotifications();
  });

  it('shows Needs help with the question of a worker that reports blocked, and Reply types the answer into its terminal', async () => {
    const ask = marker('ask', 'Pick a colour');
    const answer = 'Blue, like the sky';
    model.script(ask, [
      turn.bash('baton report blocked "Which colour should colour.txt name?"', 'Ask the person'),
      turn.text('I asked which colour to use; I will wait for the answer.'),
      ...writeAndCommit('ask', 'colour.txt', 'blue\n'),
    ]);
    await host.clickTreeRowAction('Tasks', 'Pick a colour', 'Start Worker');
    await terminalOpen('Baton: ask');
    const blocked = await workerRow('Pick a colour', 'Needs help');
    assert.match(blocked.description, /Which colour should colour\.txt name\?/);
    assert.equal(blocked.icon, 'question');
    await host.waitForNotification('Worker "ask" is blocked: Which colour should colour.txt name?');
    await statusBar(/Baton: 0 running · 0 ready · 4 needs you/);
    // The question stays while the worker waits at its prompt (its turn ended).
    await poll('the end of its turn', () => (model.turnsOf(ask).length >= 2 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const waiting = (await workerRows()).find((r) => r.label === 'Pick a colour');
    assert.equal(stateOf(waiting), 'Needs help');
    assert.match(waiting!.description, /^Needs help · Which colour should colour\.txt name\?/);
    await host.screenshot('e2e-workers-needs-help');

    const requestsBefore = model.turnsOf(ask).length;
    await host.clickTreeRowAction('Workers', 'Pick a colour', 'Reply to Worker');
    const input = host.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    const prompt = await host.page.locator('.quick-input-widget .quick-input-message').innerText();
    assert.match(prompt, /It asked: Which colour should colour\.txt name\?/);
    await input.fill(answer);
    await host.page.keyboard.press('Enter');

    const request = await poll('the answer in the next model request', () =>
      model.turnsOf(ask).slice(requestsBefore).find((r) => r.body?.messages?.some((m) => m.role === 'user' && textOf(m.content).includes(answer))),
    );
    const lastUser = request.body!.messages!.filter((m) => m.role === 'user').at(-1)!;
    assert.match(textOf(lastUser.content), new RegExp(answer), 'the answer arrives as the person\'s next message');
    await workerRow('Pick a colour', 'Review');
    assert.equal(git(workspace, 'show', 'baton/ask:colour.txt'), 'blue');
    const events = fs.readFileSync(path.join(workspace, '.baton/runs/ask/events.jsonl'), 'utf8');
    assert.match(events, /"type":"report:blocked"/);
    assert.match(events, /"type":"reply".*Blue, like the sky/);
  });
});
