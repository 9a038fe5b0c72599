// Completion: once every task of the plan reads as approved, the run is archived (archive.ts) and the
// person is told where. The run controller may call archiveIfComplete after an approval too: the archive's
// lock and its "already archived" check make the second call a no-op.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { archiveIfComplete } from '../core/run/archive';
import { configuredPrices } from './metricsView';
import type { PlanSource } from './planSource';
import type { Workers } from './workers';

export function registerArchiveOnCompletion(context: vscode.ExtensionContext, planSource: PlanSource, workers: Workers, log: vscode.LogOutputChannel): void {
  /** The plan file last seen complete: checked once per completion, not at every change after it. */
  let settled: string | undefined;
  let running = false;
  const check = async () => {
    const snapshot = planSource.current;
    const layout = workers.batonLayout;
    // A team's own plan (Start Team) is not a run: its plan, once approved, is.
    if (!snapshot || snapshot.team || !layout || !vscode.workspace.isTrusted || running || snapshot.plan.tasks.length === 0) return;
    const states = workers.taskStates(snapshot);
    const complete = snapshot.plan.tasks.every((t) => states.get(t.id) === 'approved');
    if (!complete) {
      settled = undefined;
      return;
    }
    if (settled === snapshot.file) return;
    settled = snapshot.file;
    running = true;
    try {
      const r = await archiveIfComplete(layout, snapshot.plan, { prices: configuredPrices() });
      if (!r.archived) return;
      const name = vscode.workspace.asRelativePath(r.dir!);
      log.info(`Archived the finished run of "${snapshot.plan.name}" in ${name}`);
      const show = vscode.l10n.t('Show Run Report');
      const open = await vscode.window.showInformationMessage(vscode.l10n.t('Every task of "{0}" is approved: the run is archived in {1}.', snapshot.plan.name, name), show);
      if (open === show) await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(join(r.dir!, 'report.md')));
    } catch (e) {
      log.error(`Archiving the finished run failed: ${(e as Error).message}`);
    } finally {
      running = false;
    }
  };
  context.subscriptions.push(workers.onDidChange(() => void check()));
}
