// Benchmark: `baton analyze` on a generated 10,000-task plan (about 20,000 dependency edges, file globs),
// against baselines measured in the same run. Prints medians of several runs; asserts nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { analyzePlan } from '../src/core/graph/analysis';
import { parsePlan } from '../src/core/plan/parse';
import { median, time, timeProcess, table } from './measure';

const TASKS = 10_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** A deterministic plan shaped like a big real one: modules, mostly-local dependencies, per-task files and some module globs. */
export function generatePlan(tasks: number, seed = 42): { text: string; edges: Array<[string, string]> } {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const edges: Array<[string, string]> = [];
  const out: string[] = ['version: 1', 'name: Generated', 'base: main', 'defaults:', '  gates: ["npm test"]', 'tasks:'];
  for (let i = 0; i < tasks; i++) {
    const module = Math.floor(random() * 100);
    const deps = new Set<number>();
    const want = i === 0 ? 0 : Math.min(i, random() < 0.5 ? 1 : 3);
    while (deps.size < want) deps.add(Math.max(0, i - 1 - Math.floor(random() * Math.min(i, 300))));
    for (const d of deps) edges.push([`t${d}`, `t${i}`]);
    const files = [`src/mod${module}/t${i}.ts`, `test/mod${module}/t${i}.test.ts`];
    if (random() < 0.05) files.push(`src/mod${module}/**`);
    if (random() < 0.02) files.push(`src/shared/*.ts`);
    out.push(
      `  - id: t${i}`,
      `    title: Task ${i} in module ${module}`,
      `    deps: [${[...deps].map((d) => `t${d}`).join(', ')}]`,
      `    files: [${files.map((f) => JSON.stringify(f)).join(', ')}]`,
      `    estimate: ${1 + Math.floor(random() * 8)}h`,
    );
  }
  return { text: out.join('\n') + '\n', edges };
}

/**
 * A dense plan: every task touches its module's folder and one of 37 shared files, and dependencies reach
 * back at most 50 tasks, so most tasks may run at the same time as hundreds of others (about 325,000 pairs).
 */
export function generateDensePlan(tasks: number, seed = 7): string {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out: string[] = ['version: 1', 'name: Dense', 'base: main', 'tasks:'];
  for (let i = 0; i < tasks; i++) {
    const deps = new Set<number>();
    const want = i === 0 ? 0 : Math.min(i, 1 + Math.floor(random() * 3));
    while (deps.size < want) deps.add(i - 1 - Math.floor(random() * Math.min(i, 50)));
    out.push(
      `  - id: t${i}`,
      `    title: Task ${i}`,
      `    deps: [${[...deps].map((d) => `t${d}`).join(', ')}]`,
      `    files: ["src/mod${Math.floor(random() * 200)}/**", "src/shared/file${Math.floor(random() * 37)}.ts"]`,
      `    estimate: ${1 + Math.floor(random() * 8)}h`,
    );
  }
  return out.join('\n') + '\n';
}

/** The extreme: every task shares one file and the whole `src/**`, and none depends on another (50 million pairs). */
export function generateSharedPlan(tasks: number): string {
  const out: string[] = ['version: 1', 'name: Shared', 'base: main', 'tasks:'];
  for (let i = 0; i < tasks; i++) {
    out.push(`  - id: t${i}`, `    title: Task ${i}`, '    deps: []', `    files: ["src/one.ts", "src/**", "src/m${i % 100}/f${i}.ts"]`, '    estimate: 1h');
  }
  return out.join('\n') + '\n';
}

export function runPlanBench(cli: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  const { text, edges } = generatePlan(TASKS);
  const planFile = join(dir, 'baton.yaml');
  const edgeFile = join(dir, 'edges.txt');
  writeFileSync(planFile, text);
  writeFileSync(edgeFile, edges.map(([a, b]) => `${a} ${b}`).join('\n') + '\n');

  const report = JSON.parse(execFileSync(process.execPath, [cli, 'analyze', planFile, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 }));
  const pairs = (r: { conflicts: Array<{ pairs: number }> }) => r.conflicts.reduce((sum, g) => sum + g.pairs, 0);
  console.log(
    `\nPlan analysis: ${report.tasks} tasks, ${edges.length} edges, ${(text.length / 1e6).toFixed(1)} MB of YAML, ` +
      `${report.stages.length} stages, ${report.conflicts.length} contested paths (${pairs(report)} conflicting pairs); median of ${RUNS} runs\n`,
  );

  // The dense plan: conflicts everywhere. Output must grow with tasks and contested paths, not with pairs.
  const denseFile = join(dir, 'dense.yaml');
  writeFileSync(denseFile, generateDensePlan(TASKS));
  const denseOut = execFileSync(process.execPath, [cli, 'analyze', denseFile, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const dense = JSON.parse(denseOut);
  const outputSize = Buffer.byteLength(execFileSync(process.execPath, [cli, 'analyze', planFile, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 }));
  console.log(
    `Dense plan: ${dense.tasks} tasks, ${dense.conflicts.length} contested paths, ${pairs(dense)} conflicting pairs; ` +
      `--json output ${(Buffer.byteLength(denseOut) / 1e6).toFixed(2)} MB (generated plan: ${(outputSize / 1e6).toFixed(2)} MB)\n`,
  );
  const denseProcess = timeProcess(process.execPath, [cli, 'analyze', denseFile, '--json'], RUNS);
  const sharedFile = join(dir, 'shared.yaml');
  writeFileSync(sharedFile, generateSharedPlan(TASKS));
  const sharedProcess = timeProcess(process.execPath, [cli, 'analyze', sharedFile, '--json'], RUNS);
  const densePairs = timeProcess(process.execPath, [cli, 'analyze', denseFile, '--json', '--conflict-pairs'], Math.min(RUNS, 3));
  const analyzeProcess = timeProcess(process.execPath, [cli, 'analyze', planFile, '--json'], RUNS);
  const nodeStartup = timeProcess(process.execPath, ['-e', '0'], RUNS);
  const hasTsort = spawnSync('tsort', ['--version']).status === 0;
  const tsort = hasTsort ? timeProcess('tsort', [edgeFile], RUNS) : NaN;

  const source = readFileSync(planFile, 'utf8');
  const yamlAlone = time(() => parseDocument(source), RUNS);
  const quickRead = time(() => parsePlan(source, planFile, { taskPositions: false }), RUNS);
  const positionedRead = time(() => parsePlan(source, planFile), RUNS);
  const plan = parsePlan(source, planFile, { taskPositions: false }).plan;
  const analysis = time(() => analyzePlan(plan), RUNS);

  table([
    ['baton analyze --json (whole process)', median(analyzeProcess), 'the goal: under 1000 ms'],
    ['baton analyze --json, dense plan (whole process)', median(denseProcess), 'the goal: under 1000 ms'],
    ['  dense plan with --conflict-pairs (every pair)', median(densePairs), 'opt-in: grows with pairs'],
    ['baton analyze --json, all tasks share files', median(sharedProcess), '50 million pairs; the goal: under 1000 ms'],
    ['  read + validate, no task positions (CLI)', median(quickRead), 'js-yaml values, same reader'],
    ['  read + validate, with positions (editor)', median(positionedRead), 'yaml Document with LineCounter'],
    ['  analysis (order, stages, path, conflicts)', median(analysis), ''],
    ['baseline: yaml parseDocument alone', median(yamlAlone), ''],
    ['baseline: node startup', median(nodeStartup), ''],
    ['baseline: coreutils tsort on the edges', median(tsort), hasTsort ? '' : 'tsort not installed'],
  ]);
  console.log(
    `\nratios: analyze / yaml parse alone = ${(median(analyzeProcess) / median(yamlAlone)).toFixed(2)}x, ` +
      `analyze / tsort = ${(median(analyzeProcess) / median(tsort)).toFixed(1)}x`,
  );
}
