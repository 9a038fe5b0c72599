// Benchmarks for workers: (1) heartbeat write -> state change seen, 50 workers at once, for each way a
// worker may write its heartbeat (in place; fixed temp name + rename; unique temp name + rename): Baton's
// watcher beside raw per-folder fs.watch doing the least possible (read + parse the file), the recursive
// fs.watch Baton used before, and chokidar; with the share of writes seen. (2) preparing a worker against
// a bare `git worktree add`. Medians and percentiles; asserts nothing.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BUILTIN_PROFILES, DEFAULT_PERMISSIONS } from '../src/core/agents/profiles';
import { analyzePlan } from '../src/core/graph/analysis';
import { parsePlan } from '../src/core/plan/parse';
import { prepareLaunch } from '../src/core/run/launch';
import { BatonLayout } from '../src/core/run/layout';
import { RunStore, RunWatcher } from '../src/core/run/runStore';
import { planStates } from '../src/core/run/states';
import { WRITE_STYLES, type WriteStyle } from './heartbeatWriter';
import { median, percentile, table } from './measure';

const WORKERS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const REPEATS = Number(process.env.BENCH_WATCH_REPEATS ?? 3);
const INTERVAL_MS = 40;
const now = () => performance.timeOrigin + performance.now();

const MODES = ['raw per-folder fs.watch', 'Baton RunWatcher', 'raw recursive fs.watch', 'chokidar'] as const;
type Mode = (typeof MODES)[number];

interface Sample {
  latencies: number[];
  seen: number;
  written: number;
}

async function latencies(mode: Mode, style: WriteStyle): Promise<Sample> {
  const root = mkdtempSync(join(tmpdir(), 'baton-hb-'));
  const layout = new BatonLayout(root);
  const ids = Array.from({ length: WORKERS }, (_, i) => `w${i}`);
  for (const id of ids) layout.ensureRunDir(id);
  const seen = new Set<string>();
  const samples: number[] = [];
  const record = (id: string, progress: unknown) => {
    const m = /^(\d+)@([\d.]+)$/.exec(typeof progress === 'string' ? progress : '');
    if (!m) return;
    const key = `${id}:${m[1]}`;
    if (seen.has(key)) return;
    seen.add(key);
    samples.push(now() - Number(m[2]));
  };
  const readRaw = (id: string) => {
    try {
      record(id, JSON.parse(readFileSync(layout.heartbeat(id), 'utf8')).progress);
    } catch {
      // a file being replaced or half-written: the next event has it
    }
  };
  let stop: () => void;
  if (mode === 'raw per-folder fs.watch') {
    const ws: FSWatcher[] = ids.map((id) => watch(layout.runDir(id), () => readRaw(id)));
    stop = () => ws.forEach((w) => w.close());
  } else if (mode === 'raw recursive fs.watch') {
    const w = watch(layout.runsDir, { recursive: true }, (_e, name) => {
      const id = name?.toString().split('/')[0];
      if (id) readRaw(id);
    });
    stop = () => w.close();
  } else if (mode === 'chokidar') {
    // chokidar with default options, reading the file on each event.
    const { watch: chokidarWatch } = await import('chokidar'); // ESM-only package
    const w = chokidarWatch(layout.runsDir, { ignoreInitial: true });
    const onFile = (file: string) => readRaw(relative(layout.runsDir, file).split('/')[0]);
    w.on('add', onFile).on('change', onFile);
    await new Promise<void>((r) => w.once('ready', () => r()));
    stop = () => void w.close();
  } else {
    const store = new RunStore(layout, () => 60, () => true);
    // Progress text is the activity (the published protocol's example).
    const w = new RunWatcher(store, layout, ({ task, record: r }) => record(task, r?.view.activity));
    w.start();
    stop = () => w.dispose();
  }
  const writer = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'heartbeatWriter.ts'), layout.runsDir, String(WORKERS), String(ROUNDS), String(INTERVAL_MS), style], {
    stdio: 'inherit',
  });
  await new Promise((r) => writer.once('exit', r));
  await new Promise((r) => setTimeout(r, 1500)); // room for Baton's reconciliation pass
  stop();
  return { latencies: samples, seen: seen.size, written: WORKERS * ROUNDS };
}

function fmt(ms: number): string {
  return Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : 'n/a';
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
  console.log(
    `\nHeartbeat write -> state change seen: ${WORKERS} workers writing at once, ${ROUNDS} writes each every ~${INTERVAL_MS} ms, ` +
      `${REPEATS} runs per watcher (interleaved); percentiles over all runs`,
  );
  const rows: string[][] = [['write style', 'watcher', 'seen', 'p50', 'p99', 'p50 / raw', 'p99 / raw']];
  for (const style of WRITE_STYLES) {
    const pooled = new Map<Mode, Sample>(MODES.map((m) => [m, { latencies: [], seen: 0, written: 0 }]));
    for (let r = 0; r < REPEATS; r++) {
      for (const mode of MODES) {
        const one = await latencies(mode, style);
        const p = pooled.get(mode)!;
        p.latencies.push(...one.latencies);
        p.seen += one.seen;
        p.written += one.written;
      }
    }
    const raw = pooled.get('raw per-folder fs.watch')!;
    for (const mode of MODES) {
      const p = pooled.get(mode)!;
      const p50 = median(p.latencies);
      const p99 = percentile(p.latencies, 99);
      const ratio = (x: number, y: number) => (mode === 'raw per-folder fs.watch' ? '' : `${(x / y).toFixed(2)}x`);
      rows.push([
        style,
        mode,
        `${((100 * p.seen) / p.written).toFixed(1)}% of ${p.written}`,
        fmt(p50),
        fmt(p99),
        ratio(p50, median(raw.latencies)),
        ratio(p99, percentile(raw.latencies, 99)),
      ]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  '));
  console.log('goals for Baton: every write seen (100%), p50 <= 1.5x and p99 <= 3x raw per-folder fs.watch');
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
