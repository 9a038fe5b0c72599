// Test-only extension. When code-server (and so its extension host) was started with
// BATON_HOST_TEST_RESULTS=<file>, it runs mocha over the compiled in-host test files named by
// BATON_HOST_TEST_FILES (path-delimited), inside the real extension host, and writes the results to
// <file> as JSON (InHostResults in ../in-host.ts). Without that variable it does nothing.
// Bundled with mocha by test/host/in-host.ts; the tests' `import 'vscode'` is the real API.
//
// The same bundle is also an `extensionTestsPath` module for @vscode/test-electron (run-electron.ts):
// there VS Code calls run(), which runs the suite, writes the results file if one is named, and
// rejects when a test failed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import type { InHostResults, InHostTestResult as TestResult } from '../in-host';

export function activate(): void {
  const resultsFile = process.env.BATON_HOST_TEST_RESULTS;
  if (!resultsFile) return;
  // Leave activate() at once; the suite runs beside the rest of the startup.
  setTimeout(() => void runSuite(resultsFile), 0);
}

export function deactivate(): void {}

/** Entry point for @vscode/test-electron's extensionTestsPath. */
export async function run(): Promise<void> {
  const results = await runSuite(process.env.BATON_HOST_TEST_RESULTS);
  for (const t of results.tests) {
    console.log(`${t.state === 'passed' ? 'ok  ' : t.state === 'failed' ? 'FAIL' : 'skip'} ${t.fullTitle}`);
    if (t.error) console.log(`     ${t.error.stack ?? t.error.message}`);
  }
  if (results.error) throw new Error(results.error);
  if (results.failures > 0) throw new Error(`${results.failures} in-host test(s) failed`);
}

async function runSuite(resultsFile: string | undefined): Promise<InHostResults> {
  const startedAt = new Date().toISOString();
  const tests: TestResult[] = [];
  const write = (extra: { failures: number; error?: string }): InHostResults => {
    const results: InHostResults = { startedAt, finishedAt: new Date().toISOString(), tests, ...extra };
    if (resultsFile) {
      const tmp = `${resultsFile}.${process.pid}.tmp`;
      fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify(results, null, 2));
      fs.renameSync(tmp, resultsFile);
    }
    return results;
  };
  try {
    const files = (process.env.BATON_HOST_TEST_FILES ?? '').split(path.delimiter).filter(Boolean);
    if (files.length === 0) throw new Error('BATON_HOST_TEST_FILES names no test file');
    const mocha = new Mocha({
      ui: 'bdd',
      // A focused test (`.only`) would silently skip all the others: the run fails instead.
      forbidOnly: true,
      timeout: Number(process.env.BATON_HOST_TEST_TIMEOUT ?? 20_000),
      color: false,
      // Results go to the file; the extension host's console is not read by anyone.
      reporter: class {
        constructor(runner: Mocha.Runner) {
          runner.on('pass', (t) => tests.push(result(t, 'passed')));
          runner.on('pending', (t) => tests.push(result(t, 'pending')));
          runner.on('fail', (t, err) => tests.push(result(t, 'failed', err)));
        }
      } as unknown as Mocha.ReporterConstructor,
    });
    if (process.env.BATON_HOST_TEST_GREP) mocha.grep(process.env.BATON_HOST_TEST_GREP);
    for (const file of files) mocha.addFile(file);
    const failures = await new Promise<number>((resolve) => mocha.run(resolve));
    return write({ failures });
  } catch (err) {
    return write({ failures: -1, error: String((err as Error)?.stack ?? err) });
  }
}

function result(test: Mocha.Runnable, state: TestResult['state'], err?: unknown): TestResult {
  const r: TestResult = {
    title: test.title,
    fullTitle: test.fullTitle(),
    file: test.file,
    state,
    durationMs: test.duration ?? 0,
  };
  if (err) {
    const e = err as { message?: string; stack?: string; expected?: unknown; actual?: unknown };
    r.error = {
      message: String(e.message ?? err),
      stack: e.stack,
      expected: e.expected === undefined ? undefined : stringify(e.expected),
      actual: e.actual === undefined ? undefined : stringify(e.actual),
    };
  }
  return r;
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}
