// AI pre-review: when a task reaches review, a reviewer-persona Claude Code session reads its diff and
// writes a short risk summary (what changed, what looks wrong, what to check) into result.json as
// `pre_review`, shown beside the gates. It is advice for the person, never an approval: the session is
// given read-only tools (Read, Grep, Glob), no MCP servers and no hooks, and Baton, not the reviewer,
// writes its answer down. Nothing the worker wrote configures it: it starts in a folder of its own, with the
// person's own Claude Code settings only (not the worktree's .claude/ or CLAUDE.md). The diff goes through a file; nothing of it is ever an argument or a shell word.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { readPersona } from '../agents/personas';
import { runGit } from '../git/merge';
import { reviewData } from '../git/review';
import { worktreeGitEnv } from '../git/worktreeGit';
import type { Plan, Task } from '../plan/model';
import { appendEvent } from './events';
import type { BatonLayout } from './layout';
import { readResult, updateResult, type TaskResult } from './result';
import { printResultUsage, type UsageByModel } from './usage';

/** What result.json's `pre_review` holds. */
export interface PreReview {
  /** `running` while a reviewer reads; `done` with `summary`; `failed` with `error`. */
  status: 'running' | 'done' | 'failed';
  summary?: string;
  error?: string;
  /** The head of the task branch that was reviewed (uncommitted changes included in the diff). */
  commit: string;
  at: string;
}

/** The tools a pre-reviewer has: it reads, it never runs or writes anything. */
export const PRE_REVIEW_TOOLS = ['Read', 'Grep', 'Glob'] as const;
/** Tools refused by name as well, in case a settings file or a newer CLI would add them back. */
const REFUSED_TOOLS = ['Bash', 'Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'WebFetch', 'WebSearch', 'Agent', 'Task'];
/** How much of the diff is put into the prompt itself; the whole diff is always in the file. */
export const PRE_REVIEW_INLINE_BYTES = 32 * 1024;
/** A running pre-review older than this is taken as abandoned (its process was killed) and may run again. */
const RUNNING_STALE_MS = 20 * 60_000;
const SUMMARY_MAX_CHARS = 8000;

export interface PreReviewRequest {
  layout: BatonLayout;
  plan: Plan;
  task: Task;
  /** The Claude Code executable (the `claude` profile's command). */
  command: string;
  /** The person's environment for it (no Baton worker variables: this session is not the task's worker). */
  env: NodeJS.ProcessEnv;
  personasDir?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Asked for by the person: a pre-review of this commit that failed runs again. */
  retryFailed?: boolean;
}

/** result.json's `pre_review`, when it is well formed. */
export function preReviewOf(result: TaskResult | undefined): PreReview | undefined {
  const p = result?.pre_review as Record<string, unknown> | undefined;
  if (!p || typeof p !== 'object' || typeof p.commit !== 'string' || typeof p.at !== 'string') return undefined;
  if (p.status !== 'running' && p.status !== 'done' && p.status !== 'failed') return undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { status: p.status, summary: text(p.summary), error: text(p.error), commit: p.commit, at: p.at };
}

/** The diff file the reviewer reads: `.baton/runs/<id>/pre-review.diff`. */
export function preReviewDiffFile(layout: BatonLayout, taskId: string): string {
  return `${layout.runDir(taskId)}/pre-review.diff`;
}

/**
 * Reviews the task's work once per head commit: returns undefined when this head was already reviewed
 * (or is being reviewed by another Baton process), else the recorded outcome. Never throws for what the
 * reviewer does; a failure is recorded as `failed` with its reason.
 */
export async function runPreReview(r: PreReviewRequest): Promise<PreReview | undefined> {
  const { layout, task } = r;
  const worktree = layout.worktree(task.id);
  let review;
  try {
    review = await reviewData(layout.root, worktree, r.plan.base, task.files);
  } catch {
    return undefined; // no worktree (approved and cleaned up, discarded): nothing to review
  }
  const head = review.head;
  // Claim this head under result.json's lock, so two windows (or a window and `baton run`) review it once.
  let claimed = false;
  const now = new Date();
  await updateResult(layout, task.id, (current) => {
    const base = current ?? { status: 'unreported' as const };
    const before = readPreReviewValue(base.pre_review);
    const busy = before?.status === 'running' && now.getTime() - Date.parse(before.at) < RUNNING_STALE_MS;
    const again = before?.status === 'failed' && r.retryFailed;
    if (before?.commit === head && !again && (before.status !== 'running' || busy)) return base;
    claimed = true;
    return { ...base, pre_review: { status: 'running', commit: head, at: now.toISOString() } satisfies PreReview };
  });
  if (!claimed) return undefined;
  appendEvent(layout.events(task.id), { type: 'pre-review:start', at: now.toISOString(), commit: head });

  let outcome: PreReview;
  let usage: UsageByModel | undefined;
  try {
    const diff = await runGit(worktree, ['diff', '-M', '--no-color', '--no-ext-diff', review.mergeBase], worktreeGitEnv(layout.root, worktree));
    if (diff.code !== 0) throw new Error(`git diff failed: ${diff.stderr.trim()}`);
    const diffFile = preReviewDiffFile(layout, task.id);
    writeFileAtomic.sync(diffFile, diff.stdout, { fsync: false });
    const untracked = review.files.filter((f) => f.uncommitted && f.kind === 'added').map((f) => f.path);
    const promptFile = `${layout.runDir(task.id)}/pre-review-prompt.md`;
    const persona = readPersona(layout.root, 'reviewer', r.personasDir);
    writeFileAtomic.sync(promptFile, preReviewPrompt({ plan: r.plan, task, persona: persona.text, diff: diff.stdout, diffFile, worktree, files: review.files.map((f) => f.path), untracked, summary: readResult(layout, task.id)?.summary }), { fsync: false });
    const answer = await askReviewer(r, worktree, promptFile);
    usage = answer.usage;
    outcome = { status: 'done', summary: answer.summary, commit: head, at: new Date().toISOString() };
  } catch (e) {
    // A reviewer that failed after reading still cost its tokens.
    if (e instanceof ReviewerFailed) usage = e.usage;
    outcome = { status: 'failed', error: (e as Error).message.slice(0, 2000), commit: head, at: new Date().toISOString() };
  }
  await updateResult(layout, task.id, { pre_review: outcome });
  appendEvent(layout.events(task.id), { type: 'pre-review', at: outcome.at, status: outcome.status, commit: head, ...(outcome.error ? { error: outcome.error } : {}), ...(usage ? { usage } : {}) });
  return outcome;
}

function readPreReviewValue(v: unknown): { status: string; commit: string; at: string } | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const p = v as Record<string, unknown>;
  return typeof p.status === 'string' && typeof p.commit === 'string' && typeof p.at === 'string' ? { status: p.status, commit: p.commit, at: p.at } : undefined;
}

/**
 * The Claude Code command line of a pre-review: print mode, read-only tools, no MCP, nothing persisted. The
 * worker wrote the worktree, its `.claude/` settings (hooks, permissions, skills) and its CLAUDE.md
 * included: the session runs from a neutral folder (see askReviewer) with the person's own settings only,
 * every hook off and no skills, and reaches the worktree and the run folder (the diff file) only as extra
 * folders its read-only tools may read.
 */
export function preReviewArgs(runDir: string, worktree: string): string[] {
  return [
    '-p',
    '--output-format',
    'json',
    '--setting-sources',
    'user',
    '--settings',
    JSON.stringify({ disableAllHooks: true }),
    '--tools',
    PRE_REVIEW_TOOLS.join(','),
    '--allowedTools',
    ...PRE_REVIEW_TOOLS,
    '--disallowedTools',
    ...REFUSED_TOOLS,
    // Anything not allowed above is refused, never asked about.
    '--permission-mode',
    'dontAsk',
    '--add-dir',
    worktree,
    '--add-dir',
    runDir,
    '--strict-mcp-config',
    '--disable-slash-commands',
    '--no-session-persistence',
  ];
}

/** Variables that would make Claude Code read more of the worktree than its files (its CLAUDE.md). */
const REVIEWER_UNSET = ['CLAUDE_CODE_ADDITIONAL_DIRECTORIES_CLAUDE_MD', 'CLAUDE_PROJECT_DIR'];

/** A reviewer that ran and failed, with the tokens it used when its output said. */
class ReviewerFailed extends Error {
  constructor(
    message: string,
    readonly usage: UsageByModel | undefined,
  ) {
    super(message);
  }
}

/** Runs the reviewer with the prompt file on stdin; resolves with its final message and the tokens it used. */
async function askReviewer(r: PreReviewRequest, worktree: string, promptFile: string): Promise<{ summary: string; usage?: UsageByModel }> {
  // A fresh empty folder to start in: Claude Code reads a project's settings and CLAUDE.md from where it starts.
  const neutral = mkdtempSync(join(tmpdir(), 'baton-pre-review-'));
  try {
    return await runReviewer(r, worktree, promptFile, neutral);
  } finally {
    rmSync(neutral, { recursive: true, force: true });
  }
}

function runReviewer(r: PreReviewRequest, worktree: string, promptFile: string, cwd: string): Promise<{ summary: string; usage?: UsageByModel }> {
  const input = openSync(promptFile, 'r');
  const env = { ...r.env };
  for (const key of REVIEWER_UNSET) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(r.command, preReviewArgs(r.layout.runDir(r.task.id), worktree), { cwd, env, stdio: [input, 'pipe', 'pipe'], signal: r.signal });
    closeSync(input);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => void (out.length < 4_000_000 && (out += d.toString('utf8'))));
    child.stderr!.on('data', (d: Buffer) => void (err = (err + d.toString('utf8')).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGTERM'), r.timeoutMs ?? 10 * 60_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `${r.command} was not found on PATH.` : e.message));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      let parsed: { result?: unknown; is_error?: unknown } | undefined;
      try {
        parsed = JSON.parse(out.trim().split('\n').at(-1) ?? '');
      } catch {
        parsed = undefined;
      }
      const text = typeof parsed?.result === 'string' ? parsed.result.trim() : '';
      const usage = printResultUsage(parsed);
      if (code === 0 && parsed?.is_error !== true && text) resolve({ summary: text.slice(0, SUMMARY_MAX_CHARS), usage });
      else reject(new ReviewerFailed(`the reviewer ${signal ? `was ended (${signal})` : `exited with code ${code}`}${text ? `: ${text.slice(0, 500)}` : err.trim() ? `: ${err.trim().split('\n').slice(-3).join(' ')}` : ''}`, usage));
    });
  });
}

interface PromptInput {
  plan: Plan;
  task: Task;
  persona: string;
  diff: string;
  diffFile: string;
  /** The task's worktree; file paths below are relative to it. */
  worktree: string;
  files: string[];
  untracked: string[];
  summary?: string;
}

export function preReviewPrompt(p: PromptInput): string {
  const bytes = Buffer.byteLength(p.diff);
  const inline = bytes <= PRE_REVIEW_INLINE_BYTES ? p.diff : Buffer.from(p.diff).subarray(0, PRE_REVIEW_INLINE_BYTES).toString('utf8');
  const fence = '`'.repeat(Math.max(3, ...[...inline.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  const lines = [
    `# Pre-review of task ${p.task.id}: ${p.task.title}`,
    '',
    `A worker finished the task "${p.task.id}" of the plan "${p.plan.name || p.plan.file}" and its work waits for the person's review.`,
    'Before the person looks, you read the change and tell them where to look hardest.',
    '',
    p.persona,
    '',
    '## In this pre-review',
    '',
    `You can only read: the Read, Grep and Glob tools, in the task's worktree \`${p.worktree}\` (give them absolute paths). You cannot run`,
    'commands, run the checks, edit files, ask for workers or approve anything; do not try. The person decides.',
    '',
    '## The task',
    '',
    p.task.description.trim() || p.task.title,
    ...(p.task.files.length ? ['', `Files it was expected to touch: ${p.task.files.map((f) => `\`${f}\``).join(', ')}`] : []),
    ...(p.task.gates.length ? ['', `Checks the person will run: ${p.task.gates.map((g) => `\`${g}\``).join(', ')}`] : []),
    ...(p.summary ? ['', 'What the worker says it did:', '', ...p.summary.trim().split('\n').map((l) => `> ${l}`)] : []),
    '',
    '## The change',
    '',
    `Files changed (${p.files.length}, in \`${p.worktree}\`): ${p.files.map((f) => `\`${f}\``).join(', ') || 'none'}`,
    ...(p.untracked.length ? ['', `New files not yet committed (not in the diff; read them in the worktree): ${p.untracked.map((f) => `\`${f}\``).join(', ')}`] : []),
    '',
    `The whole diff against the base is in the file \`${p.diffFile}\` (${bytes} bytes).${bytes > PRE_REVIEW_INLINE_BYTES ? ` Only its first ${PRE_REVIEW_INLINE_BYTES} bytes follow; read the file for the rest.` : ''}`,
    '',
    fence + 'diff',
    inline.replace(/\n$/, ''),
    fence,
    '',
    '## Your answer',
    '',
    'Your final message is your summary, written for the person, at most about 25 lines of Markdown, in three parts:',
    '',
    '**What changed**: in a few lines.',
    '**What looks wrong**: bugs, risks, missing tests, changes outside the task; say "nothing found" if so.',
    '**What to check**: what the person should look at or try by hand before approving.',
    '',
  ];
  return lines.join('\n');
}

/** The pre-review as Markdown lines for the review summary (its text is the reviewer's: shown as text). */
export function preReviewMarkdown(p: PreReview | undefined, head: string, plain: (t: string) => string): string[] {
  if (!p) return [];
  const out = ['## AI pre-review', ''];
  if (p.status === 'running') out.push('_A reviewer is reading the diff…_', '');
  else if (p.status === 'failed') out.push(`_The pre-review failed: ${plain(p.error ?? 'no reason given')}_`, '');
  else out.push(...plain(p.summary ?? '').split('\n').map((l) => `> ${l}`), '');
  out.push(`_Advice from an AI reviewer, not an approval${p.commit ? ` · on ${p.commit.slice(0, 7)}` : ''}${p.commit && p.commit !== head ? ' — the branch has moved since' : ''}._`, '');
  return out;
}

/** The pre-review as plain text for `baton review`. */
export function preReviewText(p: PreReview | undefined, head: string): string[] {
  if (!p) return [];
  const head7 = p.commit.slice(0, 7);
  const title = `AI pre-review (advice, not an approval; on ${head7}${p.commit !== head ? ', the branch has moved since' : ''}):`;
  if (p.status === 'running') return ['', title, '  (a reviewer is reading the diff)'];
  if (p.status === 'failed') return ['', title, `  failed: ${p.error ?? 'no reason given'}`];
  return ['', title, ...(p.summary ?? '').trimEnd().split('\n').map((l) => `  ${l}`)];
}
