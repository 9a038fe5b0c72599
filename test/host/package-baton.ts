// The Baton .vsix that host tests install: `npm run package` (build + vsce), or $BATON_VSIX as given.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './harness';

export function packageBaton(): string {
  if (process.env.BATON_VSIX) return path.resolve(process.env.BATON_VSIX);
  const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const vsix = path.join(REPO_ROOT, `baton-${version}.vsix`);
  fs.rmSync(vsix, { force: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', '--silent', 'package'], {
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
