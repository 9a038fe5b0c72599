// Metrics where the person looks: a few lines in a task's tooltip, prices from the `baton.prices` setting.
import * as vscode from 'vscode';
import type { Plan } from '../core/plan/model';
import type { BatonLayout } from '../core/run/layout';
import { formatCost, formatSeconds, formatTokens, taskMetrics } from '../core/run/metrics';
import { DEFAULT_PRICES, parsePrices, type PriceList } from '../core/run/usage';

/** `baton.prices` merged over the defaults; a setting that cannot be read falls back to them, and says so once. */
let warned = false;
export function configuredPrices(): PriceList {
  try {
    return parsePrices(vscode.workspace.getConfiguration('baton').get('prices'));
  } catch (e) {
    if (!warned) void vscode.window.showWarningMessage(`baton.prices: ${(e as Error).message} Using the default prices.`);
    warned = true;
    return DEFAULT_PRICES;
  }
}

/** The tooltip's metrics, or nothing for a task whose worker never started. */
export function metricsTooltip(layout: BatonLayout, plan: Plan, taskId: string): string | undefined {
  const m = taskMetrics(layout, plan, taskId, { prices: configuredPrices() });
  if (!m.started) return undefined;
  const lines = [
    `**Time:** ${formatSeconds(m.wallSeconds)} wall · ${formatSeconds(m.activeSeconds)} working · ${formatSeconds(m.waitingSeconds)} waiting for you`,
    `**Tokens:** ${formatTokens(m.tokens.total)} · ${formatCost(m.cost)}`,
    `**Gate runs:** ${m.gateRuns}${m.gateFailures ? ` (${m.gateFailures} failed)` : ''} · **Changes requested:** ${m.changesRequested}`,
  ];
  if (m.estimateHours !== undefined) lines.push(`**Estimate against actual:** ${formatSeconds(m.estimateHours * 3600)} · ${formatSeconds(m.wallSeconds)}`);
  return lines.join('  \n');
}
