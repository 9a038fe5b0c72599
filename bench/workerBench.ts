// Benchmarks for workers: (1) heartbeat write -> state change seen, 50 workers at once, Baton's watcher
// against raw fs.watch doing the least possible (read + parse the file); (2) preparing a worker against a
// bare `git worktree add`. Medians and percentiles; asserts nothing.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BUILTIN_PROFILES, DEFAULT_PERMISSIONS } from '../src/core/agents/profiles';
import { analyzePlan } from '../src/core/graph/analysis';
import { parsePlan } from '../src/core/plan/parse';
import { prepareLaunch } from '../src/core/run/launch';
import { BatonLayout } from '../src/core/run/layout';
import { RunStore, RunWatcher } from '../src/core/run/runStore';
import { planStates } from '../src/core/run/states';
import { median, percentile, table } from './measure';

const WORKERS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const INTERVAL_MS = 40;
const now = () => performance.timeOrigin + performance.now();

async function latencies(mode: 'raw fs.watch' | 'chokidar' | 'Baton RunWatcher'): Promise<number[]> {
  const root = mkdtempSync(join(tmpdir(), 'baton-hb-'));
  const layout = new BatonLayout(root);
  const ids = Array.from({ length: WORKERS }, (_, i) => `w${i}`);
  for (const id of ids) layout.ensureRunDir(id);
  const seen = new Map<string, number>();
  const samples: number[] = [];
  const record = (id: string, activity: string | undefined) => {
    const m = /^(\d+)@([\d.]+)$/.exec(activity ?? '');
    if (!m) return;
    const key = `${id}:${m[1]}`;
    if (seen.has(key)) return;
    seen.set(key, 1);
    samples.push(now() - Number(m[2]));
  };
  let stop: () => void;
  if (mode === 'raw fs.watch') {
    const w = watch(layout.runsDir, { recursive: true }, (_e, name) => {
      const id = name?.toString().split('/')[0];
      if (!id) return;
      try {
        record(id, JSON.parse(readFileSync(layout.heartbeat(id), 'utf8')).activity);
      } catch {
        // a temp file or a file being replaced: the next event has it
      }
    });
    stop = () => w.close();
  } else if (mode === 'chokidar') {
    // The alternative Baton did not take: chokidar with default options, reading the file on each event.
    const { watch: chokidarWatch } = await import('chokidar'); // ESM-only package
    const w = chokidarWatch(layout.runsDir, { ignoreInitial: true });
    const onFile = (file: string) => {
      const id = relative(layout.runsDir, file).split('/')[0];
      try {
        record(id, JSON.parse(readFileSync(layout.heartbeat(id), 'utf8')).activity);
      } catch {
        // as above
      }
    };
    w.on('add', onFile).on('change', onFile);
    await new Promise<void>((r) => w.once('ready', () => r()));
    stop = () => void w.close();
  } else {
    const store = new RunStore(layout, () => 60, () => true);
    const w = new RunWatcher(store, layout, ({ task, record: r }) => record(task, r?.view.activity));
    w.start();
    stop = () => w.dispose();
  }
  const writer = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'heartbeatWriter.ts'), layout.runsDir, String(WORKERS), String(ROUNDS), String(INTERVAL_MS)], {
    stdio: 'inherit',
  });
  await new Promise((r) => writer.once('exit', r));
  await new Promise((r) => setTimeout(r, 300));
  stop();
  return samples;
}

/** Alternates a bare `git worktree add` with Baton's whole preparation of a worker, in one repository. */
async function startTimes(runs: number): Promise<{ bare: number[]; baton: number[] }> {
  const bare: number[] = [];
  const baton: number[] = [];
  const plan = 'version: 1\nbase: main\ntasks:\n' + Array.from({ length: runs }, (_, i) => `  - {id: t${i}, title: Task ${i}, files: ["src/t${i}.ts"]}\n`).join('');
  const repo = mkdtempSync(join(tmpdir(), 'baton-start-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  mkdirSync(join(repo, 'src'));
  for (let i = 0; i < 500; i++) writeFileSync(join(repo, 'src', `f${i}.ts`), `export const x${i} = ${i};\n`);
  writeFileSync(join(repo, 'baton.yaml'), plan);
  git('add', '.');
  git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', 'init');
  const parsed = parsePlan(plan, 'baton.yaml').plan;
  const analysis = analyzePlan(parsed);
  const layout = new BatonLayout(repo);
  const states = planStates(parsed);
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    execFileSync('git', ['worktree', 'add', '--quiet', '-b', `bare-${i}`, join(repo, '.baton', 'bare', `b${i}`), 'main'], { cwd: repo, stdio: 'pipe' });
    bare.push(performance.now() - t);
    t = performance.now();
    await prepareLaunch({
      layout,
      plan: parsed,
      analysis,
      taskId: `t${i}`,
      states,
      profile: BUILTIN_PROFILES.claude,
      permissions: DEFAULT_PERMISSIONS,
      headless: false,
      batonCommand: [process.execPath, 'cli.js'],
    });
    baton.push(performance.now() - t);
  }
  return { bare, baton };
}

export async function runWorkerBench(cli: string): Promise<void> {
  console.log(`\nHeartbeat write -> state change seen: ${WORKERS} workers writing at once, ${ROUNDS} writes each`);
  const raw = await latencies('raw fs.watch');
  const chok = await latencies('chokidar');
  const ours = await latencies('Baton RunWatcher');
  table([
    ['raw fs.watch + read, p50', median(raw), `${raw.length} samples`],
    ['raw fs.watch + read, p99', percentile(raw, 99), ''],
    ['chokidar (defaults) + read, p50', median(chok), `${chok.length} samples`],
    ['chokidar (defaults) + read, p99', percentile(chok, 99), ''],
    ['Baton RunWatcher, p50', median(ours), `${ours.length} samples`],
    ['Baton RunWatcher, p99', percentile(ours, 99), ''],
  ]);
  console.log(`ratios to raw fs.watch: Baton p50 ${(median(ours) / median(raw)).toFixed(2)}x (goal 1.5x), p99 ${(percentile(ours, 99) / percentile(raw, 99)).toFixed(2)}x (goal 3x); chokidar p50 ${(median(chok) / median(raw)).toFixed(2)}x, p99 ${(percentile(chok, 99) / percentile(raw, 99)).toFixed(2)}x`);
  void cli;

  const runs = Number(process.env.BENCH_STARTS ?? 15);
  console.log(`\nStarting a worker (a repository of 500 files), ${runs} runs alternating`);
  const { bare, baton } = await startTimes(runs);
  table([
    ['git worktree add (bare)', median(bare), ''],
    ['Baton: prepare a worker', median(baton), 'worktree, prompt, hook settings, command line'],
  ]);
  console.log(`ratio: ${(median(baton) / median(bare)).toFixed(2)}x a bare git worktree add (goal 1.2x)`);
}
