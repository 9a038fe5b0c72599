// Workspaces for host tests: a fresh git repository (branch main, one commit) holding a baton.yaml.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './harness';

/** The project's sample plan (resources/sample-plan.yaml), the one Create Plan writes. */
export function samplePlan(): string {
  return fs.readFileSync(path.join(REPO_ROOT, 'resources', 'sample-plan.yaml'), 'utf8');
}

/**
 * Makes a git repository in a new temp folder (or in `dir`) with `files` (default: baton.yaml with
 * the sample plan) committed on branch main. Returns its path; remove it with removeWorkspace().
 */
export function makeGitWorkspace(options: { dir?: string; files?: Record<string, string> } = {}): string {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'baton-workspace-'));
  fs.mkdirSync(dir, { recursive: true });
  const files = options.files ?? { 'baton.yaml': samplePlan() };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '--quiet', '--initial-branch=main');
  git('config', 'user.name', 'Baton Test');
  git('config', 'user.email', 'test@baton.invalid');
  git('config', 'commit.gpgsign', 'false');
  git('add', '--all');
  git('commit', '--quiet', '--allow-empty', '-m', 'Plan');
  return dir;
}

export function removeWorkspace(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
