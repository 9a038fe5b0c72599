// Run Report: the plan's metrics as a Markdown document, written to `.baton/report/` with its timeline
// image beside it (the preview shows images from files, not from a virtual document) and opened as a preview.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { planMetrics } from '../../core/run/metrics';
import { renderRunReport, TIMELINE_FILE } from '../../core/run/runReport';
import { configuredPrices } from '../metricsView';
import type { PlanSource } from '../planSource';
import type { Workers } from '../workers';

export function registerShowRunReport(context: vscode.ExtensionContext, planSource: PlanSource, workers: Workers): void {
  context.subscriptions.push(vscode.commands.registerCommand('baton.showRunReport', () => showRunReport(planSource, workers)));
}

/** Returns the report file's uri, or undefined when there is nothing to report on (and says why). */
async function showRunReport(planSource: PlanSource, workers: Workers): Promise<vscode.Uri | undefined> {
  const snapshot = planSource.current;
  const layout = workers.batonLayout;
  if (!snapshot || !layout) {
    void vscode.window.showInformationMessage(
      !snapshot ? vscode.l10n.t('There is no plan in this folder yet: run "Baton: Create Plan".') : vscode.l10n.t('The Run Report needs the plan to be in a git repository.'),
    );
    return undefined;
  }
  const report = renderRunReport(planMetrics(layout, snapshot.plan, { prices: configuredPrices() }));
  const dir = join(layout.dir, 'report');
  layout.ensureBatonDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, TIMELINE_FILE), report.timelineSvg);
  const file = vscode.Uri.file(join(dir, 'run-report.md'));
  writeFileSync(file.fsPath, report.markdown + '\n');
  try {
    await vscode.commands.executeCommand('markdown.showPreview', file);
  } catch {
    await vscode.window.showTextDocument(file, { preview: true });
  }
  return file;
}
