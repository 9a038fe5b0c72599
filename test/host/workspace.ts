// Workspaces for host tests: a fresh git repository (branch main, one commit) holding a baton.yaml.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './harness';

/** The project's sample plan (resources/sample-plan.yaml), or a small built-in one if it is missing. */
export function samplePlan(): string {
  const file = path.join(REPO_ROOT, 'resources', 'sample-plan.yaml');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  return FALLBACK_PLAN;
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

const FALLBACK_PLAN = `version: 1
name: Contact form
base: main
defaults:
  agent: claude
  gates: ["npm test"]
tasks:
  - id: api-schema
    title: Contact message type and validation
    deps: []
    files: ["src/shared/contact.ts"]
    estimate: 1h
  - id: api-endpoint
    title: POST /api/contact endpoint
    deps: [api-schema]
    files: ["src/server/routes/contact.ts"]
    estimate: 2h
  - id: ui-form
    title: Contact form component
    deps: [api-schema]
    files: ["src/components/ContactForm.tsx", "src/styles/**"]
    estimate: 3h
  - id: ui-wire
    title: Send the form to the endpoint
    deps: [api-endpoint, ui-form]
    files: ["src/components/ContactForm.tsx"]
    estimate: 1h
  - id: email
    title: Email the team on a new message
    deps: [api-endpoint]
    files: ["src/server/mail.ts"]
    estimate: 2h
  - id: docs
    title: Document the contact form
    deps: [ui-wire, email]
    files: ["docs/contact.md"]
    estimate: 30m
`;
