// Benchmarks for approval and the merge queue, each beside bare git on a copy of the same repository in
// the same run: (1) one approval with no gates, from "approve" to the base moved and the dependent ready,
// against `git merge --no-ff` of the same branch: as it happens in a run (the task's merge was previewed
// when it entered review, see mergePreview.ts) and with no preview; (2) fifty approved tasks queued at
// once, all merged with the base linear in queue order, against fifty bare merges. Medians; asserts nothing.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit } from '../src/core/git/merge';
import { parsePlan } from '../src/core/plan/parse';
import { approveTask } from '../src/core/run/approve';
import { appendEvent } from '../src/core/run/events';
import { writeHeartbeat } from '../src/core/run/heartbeat';
import { BatonLayout } from '../src/core/run/layout';
import { processQueue } from '../src/core/run/mergeQueue';
import { previewMerge } from '../src/core/run/mergePreview';
import { RunStore } from '../src/core/run/runStore';
import { runGates } from '../src/core/run/gates';
import { planStates } from '../src/core/run/states';
import { median, table } from './measure';

const RUNS = Number(process.env.BENCH_MERGE_RUNS ?? 15);
const FILES = 300;

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A repository of FILES files with `tasks` finished task branches (one new file each), no worktrees. */
function template(tasks: number, dependent: boolean): { dir: string; planText: string } {
  const dir = mkdtempSync(join(tmpdir(), 'baton-mergebench-'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'bench@example.com');
  git(dir, 'config', 'user.name', 'Bench');
  const ids = Array.from({ length: tasks }, (_, i) => `t${i}`);
  const planText = `version: 1\nname: Bench\nbase: main\ntasks:\n${ids.map((id) => `  - {id: ${id}, title: Task ${id}}`).join('\n')}\n${dependent ? '  - {id: after, title: After, deps: [t0]}\n' : ''}`;
  writeFileSync(join(dir, 'baton.yaml'), planText);
  for (let i = 0; i < FILES; i++) writeFileSync(join(dir, `file${i}.txt`), `line ${i}\n`.repeat(20));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'init');
  const layout = new BatonLayout(dir);
  for (const id of ids) {
    git(dir, 'checkout', '-q', '-b', `baton/${id}`, 'main');
    writeFileSync(join(dir, `${id}.txt`), `${id}\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', `work on ${id}`);
    layout.ensureRunDir(id);
    writeHeartbeat(layout.heartbeat(id), { task_id: id, status: 'done', updated_at: new Date().toISOString(), exit_code: 0 });
    appendEvent(layout.events(id), { type: 'exit', at: new Date().toISOString(), code: 0, status: 'done' });
  }
  git(dir, 'checkout', '-q', 'main');
  // As after a real worker: the first task's branch is checked out in its worktree (approval checks it
  // for uncommitted work).
  git(dir, 'worktree', 'add', '-q', layout.worktree(ids[0]), `baton/${ids[0]}`);
  return { dir, planText };
}

/** The baseline runs git the way Baton does (asynchronous execFile), so both pay the same process start. */
async function bareMerge(dir: string, id: string): Promise<void> {
  const r = await runGit(dir, ['merge', '-q', '--no-ff', '-m', `Merge ${id}`, `baton/${id}`]);
  if (r.code !== 0) throw new Error(r.stderr);
}

function copy(dir: string): string {
  const to = mkdtempSync(join(tmpdir(), 'baton-mergebench-run-'));
  cpSync(dir, to, { recursive: true });
  return to;
}

async function batonApprove(dir: string, planText: string, ids: string[], until: () => boolean | void): Promise<{ approve: number; merge: number }> {
  const layout = new BatonLayout(dir);
  const plan = parsePlan(planText, join(dir, 'baton.yaml')).plan;
  const store = new RunStore(layout, () => 60);
  const states = () => {
    const views = new Map([...store.readAll()].map(([id, r]) => [id, r.view]));
    return planStates(plan, new Set([...views].filter(([, v]) => v.state === 'approved').map(([id]) => id)), views);
  };
  const start = performance.now();
  for (const id of ids) await approveTask({ layout, plan, taskId: id, states: states(), gateResults: undefined, style: 'merge' });
  const queued = performance.now();
  await processQueue({ layout, runGates, planTask: (id) => ({ base: plan.base, gates: plan.tasks.find((t) => t.id === id)?.gates ?? [] }) });
  until(); // e.g. the dependent is ready
  const ready = ids.length === 1 && states().get('after') === 'ready';
  const end = performance.now();
  if (ids.length === 1 && !ready) throw new Error('the dependent did not become ready');
  // From "approve" on: opening the repository and reading the plan happened long before, in a real window.
  return { approve: queued - start, merge: end - queued };
}

export async function runMergeBench(): Promise<void> {
  console.log(`\nMerge queue (${FILES}-file repository, medians of ${RUNS} runs, fresh copy each run)`);
  const one = template(1, true);
  const bare1: number[] = [];
  const baton1: number[] = [];
  const cold1: number[] = [];
  // One run first, untimed: JIT and caches, as in a long-running extension host.
  for (let i = -1; i < RUNS; i++) {
    const a = copy(one.dir);
    const start = performance.now();
    await bareMerge(a, 't0');
    bare1.push(performance.now() - start);
    const b = copy(one.dir);
    // Done when the worker finished (the run controller's preview), long before the person approves.
    await previewMerge(new BatonLayout(b), 't0', 'main');
    const t = await batonApprove(b, one.planText, ['t0'], () => undefined);
    baton1.push(t.approve + t.merge);
    const c = copy(one.dir);
    const u = await batonApprove(c, one.planText, ['t0'], () => undefined);
    cold1.push(u.approve + u.merge);
    if (i < 0) void [bare1.pop(), baton1.pop(), cold1.pop()];
    for (const dir of [a, b, c]) rmSync(dir, { recursive: true, force: true });
  }
  const N = 50;
  const fifty = template(N, false);
  const ids = Array.from({ length: N }, (_, i) => `t${i}`);
  const bare50: number[] = [];
  const baton50: number[] = [];
  const approve50: number[] = [];
  const runs50 = Math.max(3, Math.ceil(RUNS / 2));
  for (let i = 0; i < runs50; i++) {
    const a = copy(fifty.dir);
    let start = performance.now();
    for (const id of ids) await bareMerge(a, id);
    bare50.push(performance.now() - start);
    const b = copy(fifty.dir);
    start = performance.now();
    const t = await batonApprove(b, fifty.planText, ids, () => undefined);
    void start;
    baton50.push(t.merge);
    approve50.push(t.approve);
    const order = git(b, 'log', '--first-parent', '--reverse', '--format=%s', 'main').split('\n').slice(1);
    if (order.length !== N || order.some((s, k) => !s.startsWith(`Merge baton task t${k}:`))) throw new Error('the base is not linear in queue order');
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
  const m1 = median(baton1);
  const b1 = median(bare1);
  const m50 = median(baton50);
  const b50 = median(bare50);
  // Each run times bare git and Baton back to back, so the median of the runs' own ratios is the figure
  // least moved by whatever else the machine is doing.
  const r1 = median(baton1.map((t, i) => t / bare1[i]));
  const c1 = median(cold1);
  const rc1 = median(cold1.map((t, i) => t / bare1[i]));
  const r50 = median(baton50.map((t, i) => t / bare50[i]));
  table([
    ['bare git merge --no-ff (one branch)', b1, 'baseline'],
    ['Baton approve → base moved, dependent ready', m1, `${(m1 / b1).toFixed(2)}× of medians, ${r1.toFixed(2)}× median ratio (goal ≤ 1.5×)`],
    ['  the same with no merge preview', c1, `${(c1 / b1).toFixed(2)}× of medians, ${rc1.toFixed(2)}× median ratio`],
    ['50 bare git merges --no-ff', b50, 'baseline'],
    ['Baton: 50 queued at once, all merged', m50, `${(m50 / b50).toFixed(2)}× of medians, ${r50.toFixed(2)}× median ratio (goal ≤ 1.5×); approving the 50 before: ${median(approve50).toFixed(0)} ms`],
  ]);
  rmSync(one.dir, { recursive: true, force: true });
  rmSync(fifty.dir, { recursive: true, force: true });
}
