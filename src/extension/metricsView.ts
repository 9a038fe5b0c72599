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
    if (!warned) void vscode.window.showWarningMessage(vscode.l10n.t('baton.prices: {0} Using the default prices.', (e as Error).message));
    warned = true;
    return DEFAULT_PRICES;
  }
}

/** The tooltip's metrics, or nothing for a task whose worker never started. */
export function metricsTooltip(layout: BatonLayout, plan: Plan, taskId: string): string | undefined {
  const m = taskMetrics(layout, plan, taskId, { prices: configuredPrices() });
  if (!m.started) return undefined;
  const lines = [
    vscode.l10n.t('**Time:** {0} wall · {1} working · {2} waiting for you', formatSeconds(m.wallSeconds), formatSeconds(m.activeSeconds), formatSeconds(m.waitingSeconds)),
    m.preReviewTokens > 0
      ? vscode.l10n.t('**Tokens:** {0} ({1} pre-review) · {2}', formatTokens(m.tokens.total), formatTokens(m.preReviewTokens), formatCost(m.cost))
      : vscode.l10n.t('**Tokens:** {0} · {1}', formatTokens(m.tokens.total), formatCost(m.cost)),
    m.gateFailures
      ? vscode.l10n.t('**Gate runs:** {0} ({1} failed) · **Changes requested:** {2}', m.gateRuns, m.gateFailures, m.changesRequested)
      : vscode.l10n.t('**Gate runs:** {0} · **Changes requested:** {1}', m.gateRuns, m.changesRequested),
  ];
  if (m.estimateHours !== undefined) lines.push(vscode.l10n.t('**Estimate against actual:** {0} · {1}', formatSeconds(m.estimateHours * 3600), formatSeconds(m.wallSeconds)));
  return lines.join('  \n');
}
