// The outer half of the in-host tests: builds the test-runner extension and the test files under
// test/host/suite/, tells the runner (through the environment of code-server, which its extension
// host inherits) where to write results, and waits for them.
//
//   const suite = await buildInHostSuite();
//   const results = path.join(tmp, 'results.json');
//   const host = await startHost({ workspace, extensionVsix: [batonVsix, suite.runnerVsix],
//                                  env: inHostEnv(suite, results) });
//   const { tests } = await waitForInHostResults(results);
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { cleanUpOnExit, REPO_ROOT } from './harness';

const SUITE_DIR = path.join(REPO_ROOT, 'test', 'host', 'suite');
const RUNNER_DIR = path.join(REPO_ROOT, 'test', 'host', 'runner-extension');

export interface InHostSuite {
  /** The packaged test-runner extension, to install beside Baton. */
  runnerVsix: string;
  /** The runner's bundle: also an extensionTestsPath module for @vscode/test-electron. */
  runnerBundle: string;
  /** The bundled test files, one per test/host/suite/**\/*.test.ts. */
  testFiles: string[];
}

export interface InHostTestResult {
  title: string;
  fullTitle: string;
  file?: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: { message: string; stack?: string; expected?: string; actual?: string };
}

export interface InHostResults {
  startedAt: string;
  finishedAt: string;
  /** Failed tests; -1 when the runner itself failed (see `error`). */
  failures: number;
  tests: InHostTestResult[];
  error?: string;
}

/**
 * Bundles the runner extension (with mocha) into a .vsix and each in-host test file (vscode external),
 * under out/host/<a folder of this process's own>, removed when the process exits.
 */
export async function buildInHostSuite(): Promise<InHostSuite> {
  fs.mkdirSync(path.join(REPO_ROOT, 'out', 'host'), { recursive: true });
  const OUT_DIR = fs.mkdtempSync(path.join(REPO_ROOT, 'out', 'host', 'run-'));
  cleanUpOnExit(() => fs.rmSync(OUT_DIR, { recursive: true, force: true }));
  const stage = path.join(OUT_DIR, 'runner-extension');
  fs.mkdirSync(stage, { recursive: true });
  const common: esbuild.BuildOptions = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode'],
    logLevel: 'error',
    // mocha's parallel mode resolves its worker files at run time; the runner does not use it.
    logOverride: { 'require-resolve-not-external': 'silent' },
  };
  await esbuild.build({ ...common, entryPoints: [path.join(RUNNER_DIR, 'runner.ts')], outfile: path.join(stage, 'runner.js') });
  fs.copyFileSync(path.join(RUNNER_DIR, 'package.json'), path.join(stage, 'package.json'));

  const sources = findTestFiles(SUITE_DIR);
  if (sources.length === 0) throw new Error(`no *.test.ts under ${SUITE_DIR}`);
  const suiteOut = path.join(OUT_DIR, 'suite');
  await esbuild.build({ ...common, entryPoints: sources, outdir: suiteOut, outbase: SUITE_DIR });
  const testFiles = sources.map((s) => path.join(suiteOut, path.relative(SUITE_DIR, s)).replace(/\.ts$/, '.js'));

  const runnerVsix = path.join(OUT_DIR, 'baton-host-test-runner.vsix');
  const vsce = spawnSync(
    process.execPath,
    [
      path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
      'package',
      '--no-dependencies',
      '--allow-missing-repository',
      '--skip-license',
      '--out',
      runnerVsix,
    ],
    { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (vsce.status !== 0) throw new Error(`packaging the test runner failed:\n${vsce.stdout}\n${vsce.stderr}`);
  return { runnerVsix, runnerBundle: path.join(stage, 'runner.js'), testFiles };
}

/** The environment that makes the runner extension run the suite and write `resultsFile`. */
export function inHostEnv(suite: InHostSuite, resultsFile: string, options: { grep?: string; timeoutMs?: number } = {}): Record<string, string> {
  const env: Record<string, string> = {
    BATON_HOST_TEST_RESULTS: resultsFile,
    BATON_HOST_TEST_FILES: suite.testFiles.join(path.delimiter),
  };
  if (options.grep) env.BATON_HOST_TEST_GREP = options.grep;
  if (options.timeoutMs) env.BATON_HOST_TEST_TIMEOUT = String(options.timeoutMs);
  return env;
}

/** Waits for the runner's results file. */
export async function waitForInHostResults(resultsFile: string, timeoutMs = 180_000): Promise<InHostResults> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(resultsFile)) {
    if (Date.now() > deadline) {
      throw new Error(`the in-host suite wrote no results to ${resultsFile} within ${timeoutMs} ms (did the runner extension activate?)`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as InHostResults;
}

function findTestFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTestFiles(full));
    else if (entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}
