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

export function runPlanBench(cli: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  const { text, edges } = generatePlan(TASKS);
  const planFile = join(dir, 'baton.yaml');
  const edgeFile = join(dir, 'edges.txt');
  writeFileSync(planFile, text);
  writeFileSync(edgeFile, edges.map(([a, b]) => `${a} ${b}`).join('\n') + '\n');

  const report = JSON.parse(execFileSync(process.execPath, [cli, 'analyze', planFile, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 }));
  console.log(
    `\nPlan analysis: ${report.tasks} tasks, ${edges.length} edges, ${(text.length / 1e6).toFixed(1)} MB of YAML, ` +
      `${report.stages.length} stages, ${report.conflicts.length} conflicts; median of ${RUNS} runs\n`,
  );

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
