// The Check Setup report as a Markdown page: a table of every check, then what to do about each problem.
// Plain text in, text out (no 'vscode'), like the analysis report.
import { verdict, type CheckStatus, type SetupAction, type SetupReport } from '../core/setup/doctor';
import { escapeMarkdown } from './wording';

// Plain symbols, not emoji: they render in every font (a machine without an emoji font shows boxes).
const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '⚠', fail: '✗', skip: '–' };

/** The button that makes each fix Baton can make itself. */
export const ACTION_LABEL: Record<SetupAction, string> = {
  'record-trust': 'Trust Repository for Claude Code',
  'first-commit': 'Commit the Plan',
  'create-plan': 'Create Plan',
};

/** Fixes Baton can make for this report, in the order of the checks. */
export function offeredActions(report: SetupReport): SetupAction[] {
  return [...new Set(report.checks.filter((c) => c.action && c.status !== 'ok').map((c) => c.action!))];
}

export function setupMarkdown(report: SetupReport, planLabel: string): string {
  const cell = (text: string) => escapeMarkdown(text).replace(/\n/g, ' ');
  const out = [
    '# Baton: Check Setup',
    '',
    `**${verdict(report)}**`,
    '',
    `Repository: ${report.root ? `\`${report.root}\`` : 'none'} · Plan: \`${planLabel}\``,
    '',
    '| | Check | Found |',
    '| --- | --- | --- |',
    ...report.checks.map((c) => `| ${MARK[c.status]} | ${cell(c.title)} | ${cell(c.detail)} |`),
    '',
  ];
  const problems = report.checks.filter((c) => c.fix && (c.status === 'fail' || c.status === 'warn'));
  if (problems.length) {
    out.push('## What to do', '');
    for (const c of problems) {
      out.push(`### ${MARK[c.status]} ${cell(c.title)}`, '', escapeMarkdown(c.detail), '', `**Fix:** ${escapeMarkdown(c.fix!)}`, '');
      if (c.action) out.push(`**Baton can do this:** choose **${ACTION_LABEL[c.action]}** in the notification (Baton asks before it changes anything; Check Setup shows the notification again).`, '');
    }
  }
  out.push('---', '', 'The same checks from a terminal: `baton doctor` (`--json` for scripts).', '');
  return out.join('\n');
}
