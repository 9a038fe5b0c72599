// Baton inside a real VS Code: code-server opened in Chromium (see harness.ts).
// Run with `npm run test:host`. Two kinds of test share one started host:
//  - UI checks through Playwright (below, "UI"): what a person sees and clicks;
//  - the in-host mocha suite, test/host/suite/**/*.test.ts, run by the test-runner extension inside
//    the real extension host; each of its tests is reported here as a test of its own.
// Mocha runs this file with --delay: the host is started (and the in-host suite has run) before the
// tests are declared, so that the in-host tests can be listed one by one.
// BATON_HOST_GREP=text runs only the in-host tests whose full title contains it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanUpOnExit, type Host, startHost } from './harness';
import { buildInHostSuite, type InHostResults, inHostEnv, waitForInHostResults } from './in-host';
import { packageBaton } from './package-baton';
import { makeGitWorkspace, removeWorkspace } from './workspace';

interface Setup {
  host?: Host;
  workspace?: string;
  inHost?: InHostResults;
  error?: Error;
  timings: Record<string, number>;
}

async function setUp(): Promise<Setup> {
  const setup: Setup = { timings: {} };
  const step = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      setup.timings[name] = Date.now() - t0;
    }
  };
  try {
    const vsix = await step('package Baton', () => packageBaton());
    const suite = await step('build in-host suite', () => buildInHostSuite());
    const workspace = (setup.workspace = makeGitWorkspace());
    const results = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-host-results-')), 'results.json');
    cleanUpOnExit(() => {
      removeWorkspace(workspace);
      fs.rmSync(path.dirname(results), { recursive: true, force: true });
    });
    setup.host = await step('start host', () =>
      startHost({
        workspace: setup.workspace!,
        extensionVsix: [vsix, suite.runnerVsix],
        env: inHostEnv(suite, results, { grep: process.env.BATON_HOST_GREP }),
        name: 'host-test',
      }),
    );
    setup.inHost = await step('in-host suite', () => waitForInHostResults(results));
  } catch (err) {
    setup.error = err as Error;
  }
  return setup;
}

void setUp().then((setup) => {
  describe('Baton in a real VS Code (code-server)', function () {
    this.timeout(60_000);

    before(function () {
      const t = Object.entries(setup.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`);
      if (t.length) console.log(`      setup: ${t.join(', ')}`);
    });

    after(async function () {
      await setup.host?.stop();
      if (setup.workspace) removeWorkspace(setup.workspace);
    });

    if (setup.error) {
      it('starts: packages Baton, starts code-server and opens the workbench', function () {
        throw setup.error;
      });
      return;
    }
    const host = setup.host!;

    describe('UI', function () {
      before(async function () {
        // The in-host suite ran first in this window: start from a quiet screen.
        await host.clearNotifications();
      });

      afterEach(async function () {
        if (this.currentTest?.state === 'failed') {
          const file = await host.screenshot(`failed-${this.currentTest.title}`).catch(() => undefined);
          if (file) console.log(`      screenshot: ${path.relative(process.cwd(), file)}`);
        }
      });

      it('shows the Baton view container in the Activity Bar', async function () {
        await host.waitForActivityBarItem('Baton', 30_000);
        await host.openViewContainer('Baton');
        await host.screenshot('baton-view-container');
      });
    });

    describe('extension host (in-host mocha suite)', function () {
      const inHost = setup.inHost!;
      if (inHost.error) {
        it('runs the in-host suite', function () {
          throw new Error(`the in-host runner failed:\n${inHost.error}`);
        });
      }
      if (inHost.tests.length === 0 && !inHost.error) {
        it('runs at least one in-host test', function () {
          throw new Error('the in-host suite ran no test');
        });
      }
      for (const t of inHost.tests) {
        if (t.state === 'pending') {
          // Mirrors a test that is pending inside the extension host; its reason is written beside its own
          // skip there. None is pending today.
          it.skip(`${t.fullTitle} (pending in the extension host)`);
          continue;
        }
        it(t.fullTitle, function () {
          if (t.state === 'failed') {
            const err = new Error(t.error?.message ?? 'failed');
            if (t.error?.stack) err.stack = `${t.error.stack}\n    (inside the extension host)`;
            throw err;
          }
        });
      }
    });
  });
  run();
});
