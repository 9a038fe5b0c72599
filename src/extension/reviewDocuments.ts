// Read-only documents for a review: `baton-base:` gives a file as it was at the merge-base (the left side
// of the diff), `baton-review:` gives the review summary (Markdown). Both are built from validated ids.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { fileAtCommit } from '../core/git/review';
import { TASK_ID_PATTERN, type Task } from '../core/plan/model';
import { REVIEW_DIFF_SCHEME, type ReviewTask } from './reviewTarget';
import type { Workers } from './workers';

export const BASE_SCHEME = 'baton-base';
export const REVIEW_SCHEME = 'baton-review';

/** `commit` is a full or short sha, or `none` for "the file did not exist there". */
export function baseUri(taskId: string, commit: string, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: BASE_SCHEME, path: `/${path}`, query: new URLSearchParams({ task: taskId, commit }).toString() });
}

/** The title of a task's review diff (the multi-file diff editor's tab). */
export function reviewTitle(task: { id: string; title?: string }): string {
  return vscode.l10n.t('Review: {0}', task.title || task.id);
}

/**
 * The review diff's own resource: VS Code hands it to the commands in the diff editor's title bar, so they
 * know the task by its id (two tasks may share a title).
 */
export function reviewDiffUri(taskId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: REVIEW_DIFF_SCHEME, path: `/${taskId}` });
}

/** The plan's tasks as the review editors know them: id, review tab title, worktree (as a URI path). */
export function reviewTasks(tasks: readonly Task[], workers: Workers): ReviewTask[] {
  return tasks.map((t) => {
    let dir: string | undefined;
    try {
      dir = workers.worktree(t.id);
    } catch {
      dir = undefined; // an id the plan's checks refuse has no worktree
    }
    return { id: t.id, reviewTitle: reviewTitle(t), worktree: dir ? vscode.Uri.file(dir).path : `\0${t.id}` };
  });
}

/** The resources a tab shows: its file, both sides of its diff, or every side of a multi-file diff. */
export function tabResources(tab: vscode.Tab | undefined): vscode.Uri[] {
  const input = tab?.input;
  if (input instanceof vscode.TabInputText) return [input.uri];
  if (input instanceof vscode.TabInputTextDiff) return [input.original, input.modified];
  // A multi-file diff (TabInputTextMultiDiff at run time; VS Code 1.100's typings leave it out).
  const diffs = (input as { textDiffs?: unknown } | undefined)?.textDiffs;
  if (!Array.isArray(diffs)) return [];
  return diffs.flatMap((d: { original?: unknown; modified?: unknown }) => [d?.original, d?.modified]).filter((u): u is vscode.Uri => u instanceof vscode.Uri);
}

export function reviewUri(taskId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: REVIEW_SCHEME, path: `/${taskId}/Review ${taskId}.md` });
}

export class ReviewDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly summaries = new Map<string, string>();

  constructor(private readonly workers: Workers) {}

  /** Whether a review summary of the task was opened in this window. */
  has(taskId: string): boolean {
    return this.summaries.has(taskId);
  }

  setSummary(taskId: string, markdown: string): void {
    this.summaries.set(taskId, markdown);
    this.changed.fire(reviewUri(taskId));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    if (uri.scheme === REVIEW_SCHEME) {
      const id = uri.path.split('/')[1];
      return this.summaries.get(id) ?? vscode.l10n.t('No review of "{0}" is open: run "Baton: Review Task".', id);
    }
    const q = new URLSearchParams(uri.query);
    const task = q.get('task') ?? '';
    const commit = q.get('commit') ?? '';
    if (!TASK_ID_PATTERN.test(task) || commit === 'none') return '';
    const worktree = this.workers.worktree(task);
    const root = this.workers.root();
    if (!worktree || !root || !existsSync(worktree)) return '';
    return fileAtCommit(root, worktree, commit, uri.path.slice(1));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
