// Notes for the workers that start later: after each approval (when the person turned it on), what the
// approved task changed is appended to `baton-notes.md` in the plan's folder: the task, its title, the
// worker's summary from result.json and the files the merge changed. Every later prompt includes the file
// (sharedContext.ts), so a worker knows what landed since the plan was written. Appended under a lock: a
// window and `baton run` may approve at the same time.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import { runGit } from '../git/merge';
import type { Plan } from '../plan/model';
import type { BatonLayout } from './layout';
import { readResult } from './result';

export const NOTES_FILE = 'baton-notes.md';
/** A worker's summary is its own words at any length; a note keeps the start of it. */
const SUMMARY_MAX_CHARS = 1500;
const FILES_MAX = 40;

/** The notes file of the plan at `planPath` (absolute). */
export function notesFileFor(planPath: string): string {
  return join(dirname(planPath), NOTES_FILE);
}

const HEADER = `# What approved work changed

Baton adds a note here each time a task of the plan is approved, and gives this file to every worker that
starts later. Edit or delete notes freely; commit the file if the team should keep it.
`;

export interface ApprovalNote {
  task: string;
  title: string;
  summary?: string;
  files: string[];
  commit: string;
  at: string;
}

/** What a merged task changed, for its note: the worker's summary and the files the merge commit touched. */
export async function approvalNote(layout: BatonLayout, plan: Plan, taskId: string, commit: string): Promise<ApprovalNote> {
  const task = plan.tasks.find((t) => t.id === taskId);
  const diff = await runGit(layout.root, ['diff', '--name-only', '--no-renames', `${commit}^1`, commit]);
  const files = diff.code === 0 ? diff.stdout.split('\n').map((f) => f.trim()).filter(Boolean) : [];
  const result = readResult(layout, taskId);
  return { task: taskId, title: task?.title ?? taskId, summary: result?.summary, files, commit, at: new Date().toISOString() };
}

export function noteMarkdown(n: ApprovalNote): string {
  const summary = n.summary?.trim()
    ? (n.summary.trim().length > SUMMARY_MAX_CHARS ? `${n.summary.trim().slice(0, SUMMARY_MAX_CHARS)}…` : n.summary.trim())
    : '(the worker handed over no summary)';
  const files = n.files.slice(0, FILES_MAX).map((f) => `\`${f.replace(/`/g, "'")}\``);
  return [
    '',
    `## ${n.task}: ${n.title.replace(/\n/g, ' ')}`,
    '',
    `Approved ${n.at.slice(0, 10)}, merged as ${n.commit.slice(0, 10)}.`,
    '',
    // The summary is the worker's text: quoted, so its headings cannot pose as other notes.
    ...summary.split('\n').map((l) => `> ${l}`.trimEnd()),
    '',
    `Files changed: ${files.join(', ') || 'none'}${n.files.length > FILES_MAX ? ` and ${n.files.length - FILES_MAX} more` : ''}`,
    '',
  ].join('\n');
}

/** Appends the note of a merged task to the plan's notes file (created with a short header). */
export async function recordApprovalNote(layout: BatonLayout, plan: Plan, planPath: string, taskId: string, commit: string): Promise<string> {
  const file = notesFileFor(planPath);
  const note = await approvalNote(layout, plan, taskId, commit);
  if (!existsSync(file)) {
    try {
      writeFileSync(file, HEADER, { flag: 'wx' });
    } catch {
      // another process created it a moment ago
    }
  }
  // The lock lives in .baton/, so nothing but the notes file itself ever appears beside the plan.
  layout.ensureBatonDir();
  const release = await lock(file, { lockfilePath: join(layout.dir, 'notes.lock'), realpath: false, stale: 10_000, retries: { retries: 50, minTimeout: 5, maxTimeout: 100, factor: 1.5 } });
  try {
    appendFileSync(file, noteMarkdown(note));
  } finally {
    await release();
  }
  return file;
}
