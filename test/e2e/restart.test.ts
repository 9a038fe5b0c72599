// VS Code quit and started again while a worker runs: not a window reload (the server, its extension
// host and its pty host stay up through a reload; workers.test.ts covers that) but code-server and the
// browser ended entirely, then a new code-server and a new browser on the same workspace, user data and
// browser profile, as a person who closes VS Code and opens it again. The REAL Claude Code CLI works
// against the scripted model (test/support/scriptedModel.ts).
//
// Quitting VS Code ends its pty host, and the kernel hangs up on every process in its terminals: a
// worker cannot outlive it. What a person must find when VS Code is back: the worker shown as it was
// left (ended because its terminal closed), its uncommitted work checkpointed on its branch, nothing
// started twice (a terminal VS Code restores must not run the worker's command line again; `baton
// supervise` refuses if it does), and Restart Worker going on in the same worktree.
//
//   flock /tmp/baton-host.lock npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/restart.test.ts
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Host, hoverUntilShown, startHost, type TreeRow } from '../host/harness';
import { packageBaton } from '../host/package-baton';
import { type ClaudeWorkspace, makeClaudeWorkspace } from '../support/claudeWorkspace';
import { poll } from '../support/poll';
import { type ScriptedModel, turn } from '../support/scriptedModel';

const PLAN = `version: 1
name: Restart
base: main
defaults:
  agent: claude
  heartbeatTimeout: 60s
tasks:
  - id: slow
    title: Slow migration
    description: Write notes.txt, then run the long migration.
    gates: ["sh scripts/migrate.sh"]
`;

/** Long enough to quit and start VS Code again in the middle of it. */
const MIGRATE = 'sleep 90\necho migrated\n';

const SETTINGS = {
  'baton.claude.trustWorktrees': 'always',
  'baton.claude.allowedTools': ['Bash(baton:*)'],
  'terminal.integrated.confirmOnExit': 'never',
  'terminal.integrated.confirmOnKill': 'never',
};

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Pids of the supervisors (`baton supervise <id> ...`) of this task under this repository. */
function supervisors(taskId: string, root: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const at = args.indexOf('supervise');
      if (at !== -1 && args[at + 1] === taskId && args.includes(root)) found.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

const stateOf = (row: TreeRow | undefined) => row?.description.split(' · ')[0];

describe('VS Code quit and started again while a worker runs (real Claude Code CLI)', function () {
  this.timeout(240_000);
  let host: Host;
  let workspace: string;
  let model: ScriptedModel;
  let setup: ClaudeWorkspace | undefined;

  const workerRows = () => host.treeRows('Workers', { atLeast: 0, timeoutMs: 2000 });
  const taskRows = () => host.treeRows('Tasks', { atLeast: 0, timeoutMs: 2000 });
  /** The names of the terminals in the panel (one tab, or the tabs list). */
  const terminalNames = () =>
    host.page
      .locator('.part.panel .single-terminal-tab, .part.panel .terminal-tabs-entry .label-name')
      .evaluateAll((els) => els.map((el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim()));
  const events = () =>
    fs
      .readFileSync(path.join(workspace, '.baton', 'runs', 'slow', 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; [key: string]: unknown });

  before(async function () {
    this.timeout(300_000);
    const vsix = packageBaton();
    setup = await makeClaudeWorkspace({ files: { 'baton.yaml': PLAN, 'README.md': '# Restart\n', 'scripts/migrate.sh': MIGRATE } });
    ({ workspace, model } = setup);
    host = await startHost({ workspace, extensionVsix: vsix, name: 'e2e-restart', env: setup.env, settings: SETTINGS });
    await host.openViewContainer('Baton');
  });

  after(async function () {
    await host?.stop();
    await setup?.dispose();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await host?.screenshot(`e2e-failed-${this.currentTest.title.slice(0, 60)}`).catch(() => undefined);
  });

  it('after VS Code is quit and started again: the worker is shown as it was left, its work is on its branch, nothing runs twice, and Restart Worker goes on from there', async () => {
    const worktree = path.join(workspace, '.baton', 'worktrees', 'slow');
    model.script('# Task slow: Slow migration', [
      turn.write(path.join(worktree, 'notes.txt'), 'written before the restart\n'),
      turn.bash('sh scripts/migrate.sh', 'Run the migration'),
      turn.text('Migrated.'),
    ]);
    await poll('the plan in the Tasks view', async () => ((await taskRows()).some((r) => r.label === 'Slow migration') ? true : undefined));
    await host.runCommand('Baton: Start Worker');
    await host.chooseQuickPickItem('Slow migration');
    await poll('the worker in its migration', async () => {
      const row = (await workerRows()).find((r) => r.label === 'Slow migration');
      return stateOf(row) === 'Running' && row!.description.includes('Bash sh scripts/migrate.sh') ? row : undefined;
    }, 90_000);
    const [supervisor, ...more] = supervisors('slow', workspace);
    assert.ok(supervisor && more.length === 0, 'one supervisor runs');
    // The worker wrote a file and has not committed it: that is the work that must not be lost.
    assert.equal(fs.readFileSync(path.join(worktree, 'notes.txt'), 'utf8'), 'written before the restart\n');
    assert.equal(git(worktree, 'status', '--porcelain'), '?? notes.txt');
    await host.screenshot('e2e-restart-before');

    await host.restart();
    await host.openViewContainer('Baton');

    // Quitting VS Code ends its terminals and so the worker running in one (SIGHUP): shown as such, not as
    // still running, not as stopped by the person, and not as failed.
    // A row's inline actions are read from the row as drawn: right after the window opens they can be
    // missing from a first read, so wait for them with the state.
    const row = await poll('the worker in the Workers view after the restart, with its actions', async () => {
      const r = (await workerRows()).find((x) => x.label === 'Slow migration');
      return stateOf(r) === 'Cancelled' && r!.actions.length > 0 ? r : undefined;
    }, 60_000);
    assert.match(row.description, /^Cancelled · Stopped: its terminal was closed/);
    assert.equal(row.icon, 'circle-slash');
    assert.ok(row.actions.includes('Restart Worker'), `Restart Worker is offered: ${row.actions.join(', ')}`);
    assert.deepEqual(supervisors('slow', workspace), [], 'no supervisor left running, and none started by the restart');
    // The Tasks view says the same, and nothing in this window offers to start it as a fresh task.
    // (Right after the window opens the view may still be fetching its rows: wait for the state, not the first row.)
    let seenIcon: string | undefined;
    const task = await poll('the task in the Tasks view shown as cancelled', async () => {
      const r = (await taskRows()).find((x) => x.label === 'Slow migration');
      seenIcon = r?.icon;
      return r?.icon === 'circle-slash' ? r : undefined;
    }, 30_000).catch((e) => {
      throw new Error(`${(e as Error).message}; its icon was ${seenIcon}`);
    });
    assert.equal(task.icon, 'circle-slash');
    assert.ok(!task.actions.includes('Start Worker'));
    // Its uncommitted work was checkpointed on its branch when the worker ended.
    assert.equal(git(workspace, 'show', 'baton/slow:notes.txt'), 'written before the restart');
    assert.match(git(workspace, 'log', '-1', '--format=%s', 'baton/slow'), /^baton: checkpoint of slow/);
    // One worker, one worktree, one branch: whatever terminal VS Code restores runs no second worker (code-server
    // 4.100 was seen to restore none; a revived one would find `baton supervise` refusing).
    const launches = () => events().filter((e) => e.type === 'launch').length;
    assert.equal(launches(), 1, 'one launch');
    assert.equal(git(workspace, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l === 'branch refs/heads/baton/slow').length, 1);
    console.log(`      terminals after the restart: ${JSON.stringify(await terminalNames())}`);
    // The row's tooltip says why, in full.
    const workersPane = host.page.locator('.part.sidebar .pane').filter({ has: host.page.locator('.pane-header h3.title', { hasText: /^\s*Workers\s*$/i }) });
    const hover = await hoverUntilShown(
      host.page,
      workersPane.locator('.monaco-list-row .label-name', { hasText: 'Slow migration' }).first(),
      host.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'Why:' }).first(),
    );
    assert.match(await hover.innerText(), /Why: its terminal was closed \(VS Code quit, or the terminal was killed\)/);
    await host.screenshot('e2e-restart-after');

    // The person goes on: Restart Worker starts one new worker in the same worktree, where the work is.
    model.script('# Task slow: Slow migration', [
      turn.write(path.join(worktree, 'notes.txt'), 'written before the restart\nfinished after it\n'),
      turn.bash('git add notes.txt && git commit -m "Finish the notes"', 'Commit the notes'),
      turn.text('Finished the notes.'),
    ]);
    await host.clickTreeRowAction('Workers', 'Slow migration', 'Restart Worker');
    await poll('the restarted worker in review', async () => {
      const r = (await workerRows()).find((x) => x.label === 'Slow migration');
      return stateOf(r) === 'Review' ? r : undefined;
    }, 90_000);
    assert.equal(launches(), 2, 'one more launch, by Restart Worker');
    assert.equal(git(workspace, 'show', 'baton/slow:notes.txt'), 'written before the restart\nfinished after it');
    assert.equal(git(workspace, 'log', '-1', '--format=%s', 'baton/slow'), 'Finish the notes');
    await host.screenshot('e2e-restart-resumed');
  });
});
