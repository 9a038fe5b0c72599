// Conflict-aware scheduling through the real `baton run` (real git worktrees, real processes): two ready
// tasks that touch the same file, with two workers free.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledCli, makeRepo, planYaml, runCli, scriptAgent } from './workspaceRepo';

const TWO = '  - {id: api, title: API, files: [src/shared/db.ts]}\n  - {id: ui, title: UI, files: [src/shared/db.ts, src/ui/**]}\n';

/** Each worker notes when it starts and ends (ms), holds its slot a while, and commits. */
function timedAgent(log: string) {
  return scriptAgent(
    `echo "start $BATON_TASK_ID $(date +%s%3N)" >> ${log}; sleep 1; echo x > "$BATON_TASK_ID.txt"; git add -A; git commit -qm work; ` +
      `echo "end $BATON_TASK_ID $(date +%s%3N)" >> ${log}`,
  );
}

function intervals(log: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
    const [what, task, at] = line.split(' ');
    const span = out.get(task) ?? [0, 0];
    span[what === 'start' ? 0 : 1] = Number(at);
    out.set(task, span);
  }
  return out;
}

describe('baton run with file conflicts (headless, real processes)', function () {
  this.timeout(60_000);
  before(async () => {
    await bundledCli();
  });

  it('serialize (the default): the two run one after the other though two workers are free', async () => {
    const repo = makeRepo(planYaml(TWO, '  maxWorkers: 2\n'));
    const log = join(mkdtempSync(join(tmpdir(), 'baton-conflict-')), 'log');
    const r = await runCli(repo, ['run'], timedAgent(log));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Ready for review: api, ui/);
    const t = intervals(log);
    const [api, ui] = [t.get('api')!, t.get('ui')!];
    assert.ok(ui[0] >= api[1] || api[0] >= ui[1], `they did not overlap: api ${api}, ui ${ui}`);
  });

  it('allow: the two run at the same time', async () => {
    const repo = makeRepo(planYaml(TWO, '  maxWorkers: 2\n  conflicts: allow\n'));
    const log = join(mkdtempSync(join(tmpdir(), 'baton-conflict-')), 'log');
    const r = await runCli(repo, ['run'], timedAgent(log));
    assert.equal(r.status, 0, r.stderr);
    const t = intervals(log);
    const [api, ui] = [t.get('api')!, t.get('ui')!];
    assert.ok(ui[0] < api[1] && api[0] < ui[1], `they overlapped: api ${api}, ui ${ui}`);
  });

  it('baton status says why a ready task waits', async () => {
    const repo = makeRepo(planYaml(TWO));
    // A worker on api, as any agent reports one: a fresh heartbeat from a live process (this one).
    const run = join(repo, '.baton', 'runs', 'api');
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'heartbeat.json'), JSON.stringify({ task_id: 'api', status: 'in_progress', updated_at: new Date().toISOString(), pid: process.pid }));
    const r = await runCli(repo, ['status']);
    assert.match(r.stdout, /^ui +ready +waits for api: both touch src\/shared\/db\.ts$/m);
    const rows = JSON.parse((await runCli(repo, ['status', '--json'])).stdout);
    assert.equal(rows.find((row: { task: string }) => row.task === 'ui').reason, 'waits for api: both touch src/shared/db.ts');
  });
});
