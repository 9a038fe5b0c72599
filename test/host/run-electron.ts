// The in-host suite (test/host/suite/**/*.test.ts) in desktop VS Code through @vscode/test-electron,
// for machines that can download VS Code: `BATON_HOST=electron npm run test:host`.
// On Linux without a display, run it under xvfb-run. The Playwright UI checks of host.test.ts need the
// web workbench and run only with code-server (the default).
//
//   BATON_VSCODE_EXECUTABLE=/path/to/code   use this VS Code instead of downloading one
//   BATON_VSCODE_VERSION=1.100.3            the version to download (default: stable)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO_ROOT } from './harness';
import { buildInHostSuite, inHostEnv, type InHostResults } from './in-host';
import { makeGitWorkspace, removeWorkspace } from './workspace';

async function main(): Promise<number> {
  const build = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('npm run build failed');
  const suite = await buildInHostSuite();
  const workspace = makeGitWorkspace();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-electron-'));
  const results = path.join(tmp, 'results.json');
  try {
    await runTests({
      version: process.env.BATON_VSCODE_VERSION ?? 'stable',
      vscodeExecutablePath: process.env.BATON_VSCODE_EXECUTABLE || undefined,
      extensionDevelopmentPath: REPO_ROOT,
      // The runner bundle doubles as an extensionTestsPath module: VS Code calls its run().
      extensionTestsPath: suite.runnerBundle,
      extensionTestsEnv: inHostEnv(suite, results),
      launchArgs: [
        workspace,
        '--disable-extensions', // other installed extensions; Baton, the development extension, still loads
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir',
        path.join(tmp, 'user-data'),
      ],
    });
    return summarize(results);
  } catch (err) {
    if (fs.existsSync(results)) summarize(results);
    console.error(err);
    return 1;
  } finally {
    removeWorkspace(workspace);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function summarize(file: string): number {
  if (!fs.existsSync(file)) {
    console.error('the in-host suite wrote no results');
    return 1;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as InHostResults;
  const count = (state: string) => r.tests.filter((t) => t.state === state).length;
  console.log(`\nin-host: ${count('passed')} passed, ${count('failed')} failed, ${count('pending')} skipped`);
  return r.failures === 0 && r.tests.length > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
