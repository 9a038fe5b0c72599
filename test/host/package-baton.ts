// The Baton .vsix that host tests install: `npm run package` (build + vsce), or $BATON_VSIX as given.
// The .vsix goes to a folder of this process's own (removed on exit), so that test runs side by side
// do not install each other's half-written package.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanUpOnExit, REPO_ROOT } from './harness';

export function packageBaton(): string {
  if (process.env.BATON_VSIX) return path.resolve(process.env.BATON_VSIX);
  const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-vsix-'));
  cleanUpOnExit(() => fs.rmSync(dir, { recursive: true, force: true }));
  const vsix = path.join(dir, `baton-${version}.vsix`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // npm appends the arguments after `--` to the script's last command, `vsce package`.
  const result = spawnSync(npm, ['run', '--silent', 'package', '--', '--out', vsix], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
  if (result.status !== 0 || !fs.existsSync(vsix)) {
    throw new Error(`npm run package failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return vsix;
}
