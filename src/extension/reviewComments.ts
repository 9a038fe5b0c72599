// Request Changes from a line of the review diff: VS Code's comments API on the files of a task's worktree
// (the right side of its review diff, or the file opened on its own). A comment is sent as a change request,
// "path:line: text", the same way as feedback typed into Request Changes (the worker's terminal, or a worker
// resuming its conversation), and stays on the line marked as sent until the task's worktree is gone.
import { existsSync } from 'node:fs';
import { relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { PlanSource } from './planSource';
import type { Workers } from './workers';

export const REVIEW_COMMENTS_ID = 'baton-review';

export function registerReviewComments(context: vscode.ExtensionContext, workers: Workers, planSource: PlanSource): void {
  const controller = vscode.comments.createCommentController(REVIEW_COMMENTS_ID, vscode.l10n.t('Baton: Request Changes'));
  controller.options = {
    prompt: vscode.l10n.t('Request a change on this line…'),
    placeHolder: vscode.l10n.t('What should the worker change here? Sent with the file and line, like Request Changes.'),
  };

  /** The task whose worktree holds this file, and the file's path in it. */
  const taskFile = (uri: vscode.Uri): { taskId: string; path: string } | undefined => {
    if (uri.scheme !== 'file') return undefined;
    for (const task of planSource.current?.plan.tasks ?? []) {
      const worktree = workers.worktree(task.id);
      if (worktree && uri.fsPath.startsWith(worktree + sep)) return { taskId: task.id, path: relative(worktree, uri.fsPath).split(sep).join('/') };
    }
    return undefined;
  };

  // The comments sent, per task: once its worktree is gone (merged and cleaned up, or discarded) they point at
  // files that no longer exist, and leave the Comments panel.
  const sent = new Map<string, Set<vscode.CommentThread>>();
  const dropGone = () => {
    for (const [taskId, threads] of sent) {
      const worktree = workers.worktree(taskId);
      if (worktree && existsSync(worktree)) continue;
      for (const thread of threads) thread.dispose();
      sent.delete(taskId);
    }
  };

  controller.commentingRangeProvider = {
    provideCommentingRanges: (document) => (taskFile(document.uri) ? [new vscode.Range(0, 0, Math.max(0, document.lineCount - 1), 0)] : []),
  };

  context.subscriptions.push(
    controller,
    workers.onDidChange(dropGone),
    workers.onDidMerge(dropGone),
    vscode.commands.registerCommand('baton.requestChangesFromComment', async (reply: vscode.CommentReply) => {
      const text = reply?.text?.trim();
      const at = reply?.thread ? taskFile(reply.thread.uri) : undefined;
      if (!text || !at) return undefined;
      const range = reply.thread.range;
      const lines = !range ? '' : range.start.line === range.end.line ? `:${range.start.line + 1}` : `:${range.start.line + 1}-${range.end.line + 1}`;
      const where = `${at.path}${lines}`;
      const via = await vscode.commands.executeCommand<'terminal' | 'resume' | undefined>('baton.requestChanges', at.taskId, `${where}: ${text}`);
      if (!via) return undefined; // refused or failed: said so already; the comment stays to send again
      reply.thread.comments = [
        ...reply.thread.comments,
        { body: text, mode: vscode.CommentMode.Preview, author: { name: vscode.l10n.t('You') }, label: via === 'terminal' ? vscode.l10n.t('sent to the worker') : vscode.l10n.t('sent: the worker resumed with it') },
      ];
      reply.thread.label = vscode.l10n.t('Change requested: {0}', where);
      reply.thread.canReply = false;
      reply.thread.collapsibleState = vscode.CommentThreadCollapsibleState.Expanded;
      sent.set(at.taskId, (sent.get(at.taskId) ?? new Set()).add(reply.thread));
      return via;
    }),
    vscode.commands.registerCommand('baton.discardReviewComment', (thread?: vscode.CommentThread | vscode.CommentReply) => {
      const t = thread && 'thread' in thread ? thread.thread : thread;
      for (const threads of sent.values()) if (t) threads.delete(t);
      t?.dispose();
    }),
  );
}
