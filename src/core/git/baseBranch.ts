// The plan's `base` against the repository: does that branch exist, and what branch is checked out.
// Needs git, so it is not part of parsing; the extension's diagnostics and `baton validate` add it.
import { execFile, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Plan, PlanDiagnostic, Span } from '../plan/model';

const execFileAsync = promisify(execFile);

/** What the check needs to know about the repository. */
interface Facts {
  inRepository: boolean;
  baseExists: boolean;
  branches: string[];
  current: string | undefined;
}

const ARGS = {
  inside: ['rev-parse', '--is-inside-work-tree'],
  exists: (base: string) => ['rev-parse', '--verify', '--quiet', '--end-of-options', `${base}^{commit}`],
  branches: ['for-each-ref', '--format=%(refname:short)', 'refs/heads'],
  current: ['symbolic-ref', '--short', '-q', 'HEAD'],
};

async function factsAsync(dir: string, base: string): Promise<Facts> {
  const git = (args: string[]) =>
    execFileAsync('git', args, { cwd: dir, encoding: 'utf8' }).then(
      (r) => r.stdout.trim(),
      () => undefined,
    );
  const [inside, exists, branches, current] = await Promise.all([git(ARGS.inside), git(ARGS.exists(base)), git(ARGS.branches), git(ARGS.current)]);
  return { inRepository: inside === 'true', baseExists: exists !== undefined, branches: (branches ?? '').split('\n').filter(Boolean), current: current || undefined };
}

function factsSync(dir: string, base: string): Facts {
  const git = (args: string[]) => {
    const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  };
  const inside = git(ARGS.inside);
  if (inside !== 'true') return { inRepository: false, baseExists: true, branches: [], current: undefined };
  const exists = git(ARGS.exists(base)) !== undefined;
  if (exists) return { inRepository: true, baseExists: true, branches: [], current: undefined };
  return { inRepository: true, baseExists: false, branches: (git(ARGS.branches) ?? '').split('\n').filter(Boolean), current: git(ARGS.current) || undefined };
}

/** The branch checked out in `dir`, or undefined (not a repository, or a detached HEAD). */
export async function currentBranch(dir: string): Promise<string | undefined> {
  return execFileAsync('git', ARGS.current, { cwd: dir, encoding: 'utf8' }).then(
    (r) => r.stdout.trim() || undefined,
    () => undefined,
  );
}

/** Where `base:` is written in a YAML plan (top-level key), else the first line. */
export function baseSpan(text: string): Span {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^base:[ \t]*(["']?)([^"'#\s]*)\1/.exec(lines[i]);
    if (m) {
      const column = m.index + lines[i].indexOf(m[2], 5) + 1;
      return { start: { line: i + 1, column }, end: { line: i + 1, column: column + m[2].length } };
    }
  }
  return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
}

function problem(plan: Plan, text: string, facts: Facts): PlanDiagnostic | undefined {
  if (!facts.inRepository || facts.baseExists) return undefined;
  const { branches } = facts;
  const suggestion = facts.current || branches[0];
  const known = branches.length ? ` Its branches: ${branches.slice(0, 5).join(', ')}${branches.length > 5 ? ', …' : ''}.` : ' It has no commits yet: commit once first.';
  return {
    code: 'unknown-base',
    severity: 'warning',
    message:
      `The branch "${plan.base}" does not exist in this repository, so no worker can start: worktrees branch from \`base\`.${known}` +
      (suggestion ? ` Write \`base: ${suggestion}\`.` : ''),
    file: plan.file,
    span: baseSpan(text),
  };
}

/** For the extension: a warning at `base:` when it names no branch (or commit) of the plan's repository. */
export async function checkBaseBranch(planPath: string, plan: Plan, text: string): Promise<PlanDiagnostic | undefined> {
  if (!plan.base) return undefined;
  return problem(plan, text, await factsAsync(dirname(resolve(planPath)), plan.base));
}

/** The same for the CLI. */
export function checkBaseBranchSync(planPath: string, plan: Plan, text: string): PlanDiagnostic | undefined {
  if (!plan.base) return undefined;
  return problem(plan, text, factsSync(dirname(resolve(planPath)), plan.base));
}
