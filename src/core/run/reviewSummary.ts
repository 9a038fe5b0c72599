// The review summary of a task, beside its diff: commits, files with lines added and removed, the
// worker's own summary, gate results, files outside the declared `files`, uncommitted changes, history.
// Markdown for the editor; plain text for `baton review`.
import { existsSync } from 'node:fs';
import { reviewData, type ReviewData } from '../git/review';
import type { Task } from '../plan/model';
import { readEvents } from './events';
import { gatesPassed, gatesStale, type GateResult } from './gates';
import { taskHistory, type HistoryEntry } from './history';
import type { BatonLayout } from './layout';
import { preReviewMarkdown, preReviewOf, preReviewText } from './preReview';
import { readResult, type TaskResult } from './result';
import { previewMerge, type MergePreview } from './mergePreview';
import type { TaskState } from './states';

export interface ReviewInput {
  task: Task;
  state: TaskState;
  review: ReviewData;
  result: TaskResult | undefined;
  history: HistoryEntry[];
  /** Why the gate results no longer describe the work (it changed since they ran); undefined while they do. */
  staleGates?: string;
  /** The branch merged onto the base as it is now (mergePreview.ts); undefined when it could not be made. */
  merge?: MergePreview;
}

/** Everything a review shows, read from the task's worktree and run folder. */
export async function gatherReview(layout: BatonLayout, task: Task, base: string, state: TaskState): Promise<ReviewInput> {
  const worktree = layout.worktree(task.id);
  if (!existsSync(worktree)) throw new Error(`"${task.id}" has no worktree to review (it never started, was approved and cleaned up, or was discarded).`);
  const result = readResult(layout, task.id);
  return {
    task,
    state,
    review: await reviewData(layout.root, worktree, base, task.files),
    result,
    history: taskHistory(readEvents(layout.events(task.id))),
    staleGates: await gatesStale(layout, task.id, result),
    merge: await previewMerge(layout, task.id, base).catch(() => undefined),
  };
}

/** Worker-written text: shown as text, never as HTML, an image that loads (a beacon) or a link. */
function plain(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/[[\]\\]/g, '\\$&');
}

/** Inline code with a fence longer than any backtick run inside, so a file name cannot close it early. */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return longest ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

export function gateLine(g: GateResult): string {
  const mark = g.exit_code === 0 ? '✓' : '✗';
  const how = g.exit_code === 0 ? '' : g.exit_code === null ? ' (did not finish)' : ` (exit ${g.exit_code})`;
  return `${mark} ${g.command}${how} · ${(g.duration_ms / 1000).toFixed(1)}s`;
}

/** What the gates say, in a few words: "2/2 passed", "failed: npm test", "not run", "stale: ...". */
export function gatesVerdict(task: Task, result: TaskResult | undefined, stale?: string): string {
  if (task.gates.length === 0) return 'none';
  if (!result?.gates) return 'not run';
  if (stale) return `stale, run them again: ${stale}`;
  if (gatesPassed(result.gates, task.gates)) return `${task.gates.length}/${task.gates.length} passed`;
  const failed = result.gates.find((g) => g.exit_code !== 0);
  return failed ? `failed: ${failed.command}` : 'not run since the plan changed';
}

/** Whether the work merges into the base as it is now, in a sentence (the committed work: uncommitted changes go on the branch at approval). */
export function mergeVerdict(merge: MergePreview | undefined, format: (s: string) => string, ways: string): string | undefined {
  if (!merge) return undefined;
  const at = `${format(merge.base)} (${format(merge.base_commit.slice(0, 7))})`;
  if (!merge.conflicts.length && merge.tree) return `Merges cleanly into ${at}.`;
  return `Conflicts with ${at} in ${merge.conflicts.map(format).join(', ')}. Approving stops at this conflict: ${ways}.`;
}

export function reviewMarkdown({ task, state, review, result, history, staleGates, merge }: ReviewInput): string {
  const out: string[] = [];
  out.push(`# Review: ${plain(task.title || task.id)} (${code(task.id)})`, '');
  out.push(`State: **${state.replace(/_/g, ' ')}** · branch ${code(`baton/${task.id}`)} against ${code(review.base)} at ${code(review.mergeBase.slice(0, 7))}`, '');
  out.push(
    `**${review.files.length} file${review.files.length === 1 ? '' : 's'} changed**, +${review.added} −${review.removed}, ` +
      `${review.commits.length} commit${review.commits.length === 1 ? '' : 's'}` +
      (review.uncommitted.length ? `, **${review.uncommitted.length} with uncommitted changes**` : ''),
    '',
  );
  if (review.stateFiles.length) out.push(`**⛔ Refused: changes Baton's own state** (a \`.baton\` folder), which no task may merge: ${review.stateFiles.map(code).join(', ')}. Approve refuses this task until they are gone from its branch and worktree.`, '');
  const verdict = mergeVerdict(merge, code, 'then resolve it in the editor (Resolve Merge Conflict in Editor), or ask the worker to rebase (Ask the Worker to Rebase)');
  if (verdict) out.push(merge!.conflicts.length ? `**⚠ ${verdict}**` : verdict, '');

  out.push('## What the worker says', '');
  if (result?.summary) {
    out.push(...plain(result.summary).split('\n').map((l) => `> ${l}`), '');
    out.push('**Not done:**', '', ...(result.not_done ? plain(result.not_done).split('\n').map((l) => `> ${l}`) : ['> (the worker did not say)']), '');
  } else {
    out.push('_The worker has not handed over a summary (`baton report done`)._', '');
  }

  out.push('## Gates', '');
  if (task.gates.length === 0) out.push('_This task has no gates._', '');
  else if (!result?.gates) out.push(`_Not run yet: ${task.gates.map(code).join(', ')}. Use Run Gates._`, '');
  else {
    for (const g of result.gates) out.push(`- ${g.exit_code === 0 ? '✓' : '✗'} ${code(g.command)}${g.exit_code === 0 ? '' : ` exit ${g.exit_code ?? 'none'}`} · ${(g.duration_ms / 1000).toFixed(1)}s`);
    const notRun = task.gates.slice(result.gates.length);
    for (const g of notRun) out.push(`- · ${code(g)} not run (an earlier gate failed)`);
    out.push('', `_Ran ${result.gates_at ? new Date(result.gates_at).toLocaleString() : ''}${result.gates_commit ? ` on ${code(result.gates_commit.slice(0, 7))}` : ''}._`, '');
    if (staleGates) out.push(`**⚠ Stale:** ${staleGates}. These results do not count for approval: run the gates again (or approve anyway).`, '');
    const failed = result.gates.find((g) => g.exit_code !== 0);
    if (failed?.output_tail) out.push('```text', failed.output_tail.replace(/```/g, "'''").trimEnd().split('\n').slice(-30).join('\n'), '```', '');
  }
  out.push(...preReviewMarkdown(preReviewOf(result), review.head, plain));

  out.push('## Files', '');
  if (review.files.length === 0) out.push('_No changes._', '');
  else {
    out.push('| File | Change | + | − | |', '|---|---|--:|--:|---|');
    for (const f of review.files) {
      const notes = [f.state ? '⛔ **refused: .baton folder**' : '', f.uncommitted ? 'uncommitted' : '', f.outsideDeclared ? '⚠ outside declared files' : ''].filter(Boolean).join(', ');
      const name = f.oldPath ? `${code(f.oldPath)} → ${code(f.path)}` : code(f.path);
      out.push(`| ${name} | ${f.kind} | ${f.binary ? 'bin' : f.added} | ${f.binary ? 'bin' : f.removed} | ${notes} |`);
    }
    out.push('');
  }
  if (review.flagged.length) {
    out.push(`**⚠ Outside the task's declared files** (${task.files.map(code).join(', ')}): ${review.flagged.map(code).join(', ')}`, '');
  }
  if (review.uncommitted.length) {
    out.push(`**Uncommitted in the worktree** (part of this review, not yet on the branch): ${review.uncommitted.map(code).join(', ')}`, '');
  }

  out.push('## Commits', '');
  if (review.commits.length === 0) out.push('_None yet._', '');
  for (const c of review.commits) out.push(`- ${code(c.sha.slice(0, 7))} ${plain(c.subject)} — ${plain(c.author)}`);
  out.push('');

  out.push('## History', '');
  for (const h of history) out.push(`- ${new Date(h.at).toLocaleString()} — ${plain(h.text)}`);
  if (history.length === 0) out.push('_Nothing recorded yet._');
  out.push('');
  return out.join('\n');
}

/** `color`: refused paths in red (for a terminal). */
export function reviewText({ task, state, review, result, history, staleGates, merge }: ReviewInput, color = false): string {
  const red = (text: string) => (color ? `\x1b[31m${text}\x1b[0m` : text);
  const out: string[] = [];
  out.push(`${task.id}: ${task.title} — ${state.replace(/_/g, ' ')}`);
  out.push(`baton/${task.id} against ${review.base} (merge-base ${review.mergeBase.slice(0, 7)}): ${review.files.length} files, +${review.added} -${review.removed}, ${review.commits.length} commits`);
  if (review.stateFiles.length) out.push(red(`REFUSED: changes Baton's own state (a .baton folder), which no task may merge: ${review.stateFiles.join(', ')}. Approval refuses it until they are gone.`));
  const verdict = mergeVerdict(merge, (t) => t, `rebase baton/${task.id} onto ${merge?.base} first, or have its worker do it (baton changes ${task.id} "Rebase onto ${merge?.base} and resolve the conflicts")`);
  if (verdict) out.push(verdict);
  out.push('', 'Worker summary:', result?.summary ? indent(result.summary) : '  (none handed over)');
  if (result?.summary) out.push('Not done:', result.not_done ? indent(result.not_done) : '  (not said)');
  out.push('', `Gates: ${gatesVerdict(task, result, staleGates)}`);
  for (const g of result?.gates ?? []) out.push(`  ${gateLine(g)}`);
  out.push(...preReviewText(preReviewOf(result), review.head));
  out.push('', 'Files:');
  for (const f of review.files) {
    const notes = [f.state ? 'REFUSED: .baton folder' : '', f.uncommitted ? 'uncommitted' : '', f.outsideDeclared ? 'OUTSIDE DECLARED FILES' : ''].filter(Boolean).join(', ');
    const line = `  ${f.binary ? '   bin' : `+${f.added}`.padStart(6)} ${f.binary ? '' : `-${f.removed}`.padStart(5)}  ${f.oldPath ? `${f.oldPath} -> ` : ''}${f.path}${notes ? `  [${notes}]` : ''}`;
    out.push(f.state ? red(line) : line);
  }
  if (review.files.length === 0) out.push('  (no changes)');
  out.push('', 'Commits:');
  for (const c of review.commits) out.push(`  ${c.sha.slice(0, 7)} ${c.subject}`);
  if (review.commits.length === 0) out.push('  (none)');
  out.push('', 'History:');
  for (const h of history) out.push(`  ${h.at}  ${h.text}`);
  return out.join('\n');
}

function indent(text: string): string {
  return text.trimEnd().split('\n').map((l) => `  ${l}`).join('\n');
}
