// The Check Setup report as a Markdown page: a table of every check, then what to do about each problem.
// Plain text in, text out (no 'vscode'), like the analysis report, and localized the same way (@vscode/l10n).
// Each check's title, finding and fix are the engine's words, the ones `baton doctor` prints.
import * as l10n from '@vscode/l10n';
import { verdict, type CheckStatus, type SetupAction, type SetupReport } from '../core/setup/doctor';
import { escapeMarkdown } from './wording';

// Plain symbols, not emoji: they render in every font (a machine without an emoji font shows boxes).
const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '⚠', fail: '✗', skip: '–' };

/** The button that makes each fix Baton can make itself (a function: the words are localized when asked for). */
export function actionLabel(action: SetupAction): string {
  switch (action) {
    case 'record-trust':
      return l10n.t('Trust Repository for Claude Code');
    case 'first-commit':
      return l10n.t('Commit the Plan');
    case 'create-plan':
      return l10n.t('Create Plan');
  }
}

/** Fixes Baton can make for this report, in the order of the checks. */
export function offeredActions(report: SetupReport): SetupAction[] {
  return [...new Set(report.checks.filter((c) => c.action && c.status !== 'ok').map((c) => c.action!))];
}

export function setupMarkdown(report: SetupReport, planLabel: string): string {
  const cell = (text: string) => escapeMarkdown(text).replace(/\n/g, ' ');
  const out = [
    `# ${l10n.t('Baton: Check Setup')}`,
    '',
    `**${verdict(report)}**`,
    '',
    l10n.t('Repository: {0} · Plan: {1}', report.root ? `\`${report.root}\`` : l10n.t('none'), `\`${planLabel}\``),
    '',
    `| | ${l10n.t('Check')} | ${l10n.t('Found')} |`,
    '| --- | --- | --- |',
    ...report.checks.map((c) => `| ${MARK[c.status]} | ${cell(c.title)} | ${cell(c.detail)} |`),
    '',
  ];
  const problems = report.checks.filter((c) => c.fix && (c.status === 'fail' || c.status === 'warn'));
  if (problems.length) {
    out.push(`## ${l10n.t('What to do')}`, '');
    for (const c of problems) {
      out.push(`### ${MARK[c.status]} ${cell(c.title)}`, '', escapeMarkdown(c.detail), '', l10n.t('**Fix:** {0}', escapeMarkdown(c.fix!)), '');
      if (c.action) {
        out.push(
          l10n.t(
            '**Baton can do this:** choose **{0}** in the notification (Baton asks before it changes anything; Check Setup shows the notification again).',
            actionLabel(c.action),
          ),
          '',
        );
      }
    }
  }
  out.push('---', '', l10n.t('The same checks from a terminal: {0} ({1} for scripts).', '`baton doctor`', '`--json`'), '');
  return out.join('\n');
}
