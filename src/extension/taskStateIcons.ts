// How each task state looks in the tree: a codicon, a theme colour and a label. A Record, so a new
// TaskState fails the type check until it has a look here.
import * as vscode from 'vscode';
import type { TaskState } from '../core/run/states';

interface StateLook {
  label: string;
  icon: string;
  color: string;
}

const LOOKS: Record<TaskState, StateLook> = {
  waiting_input: { label: vscode.l10n.t('Waiting for you'), icon: 'bell-dot', color: 'charts.yellow' },
  worker_blocked: { label: vscode.l10n.t('Needs help'), icon: 'question', color: 'charts.yellow' },
  review: { label: vscode.l10n.t('Review'), icon: 'eye', color: 'charts.purple' },
  conflict: { label: vscode.l10n.t('Merge conflict'), icon: 'git-merge', color: 'gitDecoration.conflictingResourceForeground' },
  integration_failed: { label: vscode.l10n.t('Integration failed'), icon: 'testing-error-icon', color: 'testing.iconFailed' },
  failed: { label: vscode.l10n.t('Failed'), icon: 'error', color: 'testing.iconFailed' },
  stalled: { label: vscode.l10n.t('Stalled'), icon: 'watch', color: 'charts.orange' },
  starting: { label: vscode.l10n.t('Starting'), icon: 'loading~spin', color: 'charts.blue' },
  running: { label: vscode.l10n.t('Running'), icon: 'sync~spin', color: 'charts.blue' },
  idle: { label: vscode.l10n.t('Idle'), icon: 'debug-pause', color: 'charts.blue' },
  ready: { label: vscode.l10n.t('Ready'), icon: 'play-circle', color: 'charts.green' },
  queued: { label: vscode.l10n.t('Queued to merge'), icon: 'git-pull-request-go', color: 'charts.purple' },
  blocked: { label: vscode.l10n.t('Blocked'), icon: 'lock', color: 'disabledForeground' },
  approved: { label: vscode.l10n.t('Approved'), icon: 'pass-filled', color: 'testing.iconPassed' },
  cancelled: { label: vscode.l10n.t('Cancelled'), icon: 'circle-slash', color: 'disabledForeground' },
};

/** States in the order "group by status" lists them: what needs the person first, finished work last. */
export const STATE_ORDER = Object.keys(LOOKS) as TaskState[];

export function stateLabel(state: TaskState): string {
  return LOOKS[state].label;
}

export function stateIcon(state: TaskState): vscode.ThemeIcon {
  const look = LOOKS[state];
  return new vscode.ThemeIcon(look.icon, new vscode.ThemeColor(look.color));
}
