// A worker that is not Claude Code, through the UI of a real VS Code: an agent that speaks only the
// heartbeat protocol (test/support/heartbeatAgent.js, writing the protocol's published example through a
// fixed temp name + rename) is followed state by state in the Workers view, and a writer that stops is
// shown as stalled within the heartbeat timeout plus 1.5 s. Screenshots land in test-results/.
//
//   flock /tmp/baton-host.lock npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/heartbeatWorker.test.ts
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Host, hoverUntilShown, startHost } from '../host/harness';
import { packageBaton } from '../host/package-baton';
import { makeGitWorkspace, removeWorkspace } from '../host/workspace';
import { poll } from '../support/poll';

const TIMEOUT_S = 3;
const PLAN = `version: 1
name: Heartbeat workers
base: main
defaults:
  agent: beats
  heartbeatTimeout: ${TIMEOUT_S}s
tasks:
  - id: steps
    title: Heartbeat steps
  - id: frozen
    title: Frozen writer
    agent: beats-forever
`;
const AGENT = path.join(__dirname, '..', 'support', 'heartbeatAgent.js');

describe('A heartbeat-protocol worker in VS Code, through the UI', function () {
  this.timeout(300_000);
  let host: Host;
  let workspace: string;
  let frozenPid: number | undefined;

  const workerRows = () => host.treeRows('Workers', { atLeast: 0, timeoutMs: 2000 });

  before(async function () {
    const vsix = packageBaton();
    workspace = makeGitWorkspace({ files: { 'baton.yaml': PLAN, 'README.md': '# Heartbeats\n' } });
    host = await startHost({
      workspace,
      extensionVsix: vsix,
      name: 'e2e-heartbeat',
      settings: {
        'baton.agents': {
          // 6 steps of 400 ms after 1.5 s of silence (the supervisor's "Starting" shows meanwhile), then completed.
          beats: { command: process.execPath, args: [AGENT, '6', '400', '1500'] },
          'beats-forever': { command: process.execPath, args: [AGENT, '2', '200', '0', 'forever'] },
        },
      },
    });
    await host.waitForActivityBarItem('Baton', 30_000);
    await host.openViewContainer('Baton');
  });

  after(async function () {
    if (frozenPid) {
      try {
        process.kill(frozenPid, 'SIGCONT');
        process.kill(frozenPid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await host?.stop();
    if (workspace) removeWorkspace(workspace);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await host?.screenshot(`e2e-failed-${this.currentTest.title}`).catch(() => undefined);
  });

  it('follows every state of the worker in the Workers view: Starting, Running step by step, Review', async () => {
    await host.clickTreeRowAction('Tasks', 'Heartbeat steps', 'Start Worker');
    const seen: string[] = [];
    await poll(
      'the worker in review',
      async () => {
        const row = (await workerRows()).find((r) => r.label === 'Heartbeat steps');
        if (!row) return undefined;
        const [state, what] = row.description.split(' · ');
        const shown = `${state} · ${what ?? ''}`;
        if (seen.at(-1) !== shown) seen.push(shown);
        if (state === 'Running' && what === 'Step 3 of 6: Creating files') await host.screenshot('e2e-heartbeat-running');
        return state === 'Review' && /Finished/.test(what ?? '') ? row : undefined;
      },
      60_000,
      100,
    );
    const states = seen.map((s) => s.split(' · ')[0]).filter((s, i, all) => s !== all[i - 1]);
    assert.deepEqual(states, ['Starting', 'Running', 'Review'], JSON.stringify(seen));
    const steps = seen.filter((s) => s.startsWith('Running')).map((s) => Number(/Step (\d) of 6/.exec(s)?.[1]));
    assert.ok(steps.length >= 3, `the steps are followed (the UI is polled every 100 ms, a step lasts 400 ms): ${JSON.stringify(seen)}`);
    assert.deepEqual(steps, [...steps].sort(), 'in order');
    await host.screenshot('e2e-heartbeat-review');
  });

  it('shows a writer that stops as Stalled within the heartbeat timeout plus 1.5 s', async () => {
    await host.clickTreeRowAction('Tasks', 'Frozen writer', 'Start Worker');
    await poll('the frozen writer running', async () => {
      const row = (await workerRows()).find((r) => r.label === 'Frozen writer');
      return row?.description.startsWith('Running · Step 2 of 2') ? row : undefined;
    }, 30_000, 100);
    frozenPid = agentPid('forever');
    assert.ok(frozenPid, 'the agent process is found');
    process.kill(frozenPid, 'SIGSTOP'); // alive, but it writes nothing more
    const heartbeat = path.join(workspace, '.baton', 'runs', 'frozen', 'heartbeat.json');
    await new Promise((r) => setTimeout(r, 50));
    const lastWrite = fs.statSync(heartbeat).mtimeMs;
    const row = await poll('the frozen writer stalled', async () => {
      const r = (await workerRows()).find((x) => x.label === 'Frozen writer');
      return r?.description.startsWith('Stalled') ? r : undefined;
    }, 30_000, 100);
    const after = Date.now() - lastWrite;
    console.log(`      shown as stalled ${(after / 1000).toFixed(2)} s after its last write (timeout ${TIMEOUT_S} s)`);
    assert.ok(after <= TIMEOUT_S * 1000 + 1500, `stalled after ${after} ms`);
    assert.match(row.description, new RegExp(`no heartbeat for more than ${TIMEOUT_S}s`));
    assert.equal(row.icon, 'watch');
    await host.screenshot('e2e-heartbeat-stalled');
  });

  it('asks before restarting a worker whose work is in review, and the new worker is never shown as Cancelled', async () => {
    await host.clickTreeRowAction('Workers', 'Heartbeat steps', 'Restart Worker');
    const dialog = host.page.locator('.monaco-dialog-box', { hasText: 'has work waiting for your review' });
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    await host.screenshot('e2e-heartbeat-restart-asks');
    await dialog.locator('.dialog-buttons a.monaco-button', { hasText: /^Restart$/ }).click();
    const seen: string[] = [];
    await poll(
      'the restarted worker in review again',
      async () => {
        const row = (await workerRows()).find((r) => r.label === 'Heartbeat steps');
        const state = row?.description.split(' · ')[0];
        if (state && seen.at(-1) !== state) seen.push(state);
        return seen.includes('Running') && state === 'Review' && /Finished/.test(row!.description) ? row : undefined;
      },
      60_000,
      100,
    );
    assert.ok(!seen.includes('Cancelled'), JSON.stringify(seen));
    const launches = fs.readFileSync(path.join(workspace, '.baton', 'runs', 'steps', 'events.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"prepare"'));
    assert.equal(launches.length, 2, 'a second launch');
  });

  it('shows an unknown status word as a problem on the worker, naming the words Baton accepts', async () => {
    const dir = path.join(workspace, '.baton', 'runs', 'frozen');
    // Written again and again, as a live worker would, so that it does not stall while the tooltip is read.
    const write = () => {
      fs.writeFileSync(path.join(dir, '.hb.tmp'), JSON.stringify({ task_id: 'frozen', status: 'paused', progress: 'Thinking it over' }));
      fs.renameSync(path.join(dir, '.hb.tmp'), path.join(dir, 'heartbeat.json'));
    };
    write();
    const beating = setInterval(write, 500);
    try {
      await checkProblemShown();
    } finally {
      clearInterval(beating);
    }
  });

  async function checkProblemShown() {
    const row = await poll('the problem on the worker', async () => {
      const r = (await workerRows()).find((x) => x.label === 'Frozen writer');
      return r?.description.startsWith('Running · ⚠ heartbeat problem · Thinking it over') ? r : undefined;
    }, 20_000, 100);
    assert.equal(row.icon, 'sync');
    const label = host.page.locator('.pane-body .monaco-list-row .label-name', { hasText: 'Frozen writer' }).last();
    const hover = host.page.locator('.monaco-hover', { hasText: 'is not a word Baton knows' }).first();
    await hoverUntilShown(host.page, label, hover);
    assert.match((await hover.textContent()) ?? '', /status "paused" is not a word Baton knows.*use one of: starting, in_progress.*completed/);
    await host.screenshot('e2e-heartbeat-problem');
  }
});

/** The heartbeat agent's process, found by its arguments (Linux /proc). */
function agentPid(marker: string): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      // The agent itself (node heartbeatAgent.js ...), not its supervisor, whose arguments name it too.
      if (args[1]?.endsWith('heartbeatAgent.js') && args.includes(marker)) return Number(entry);
    } catch {
      /* gone meanwhile */
    }
  }
  return undefined;
}
