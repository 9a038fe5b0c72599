// `npm run test:host`: Baton inside a real VS Code.
//   default               code-server + Chromium (works offline; scripts/host/setup-code-server.sh
//                         installs what it needs on first use): mocha over host.test.ts
//   BATON_HOST=electron   desktop VS Code through @vscode/test-electron (downloads VS Code): the
//                         in-host suite only, see run-electron.ts
// Extra arguments go to mocha, e.g. `npm run test:host -- --grep "Tasks view"`.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './harness';

const mode = process.env.BATON_HOST ?? 'code-server';
let args: string[];
if (mode === 'electron') {
  args = [path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(__dirname, 'run-electron.ts')];
} else if (mode === 'code-server') {
  args = [
    path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'),
    '--config',
    path.join(__dirname, 'mocharc.json'),
    ...process.argv.slice(2),
  ];
} else {
  console.error(`BATON_HOST must be "code-server" (the default) or "electron", not "${mode}"`);
  process.exit(2);
}
const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'inherit' });
process.exit(result.status ?? 1);
