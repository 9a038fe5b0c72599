// Read-only documents for a review: `baton-base:` gives a file as it was at the merge-base (the left side
// of the diff), `baton-review:` gives the review summary (Markdown). Both are built from validated ids.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { fileAtCommit } from '../core/git/review';
import { TASK_ID_PATTERN } from '../core/plan/model';
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
    if (!worktree || !existsSync(worktree)) return '';
    return fileAtCommit(worktree, commit, uri.path.slice(1));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
