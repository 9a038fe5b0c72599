// Which actions a task's box offers in the Graph panel's context menu: the same ones the Tasks and Workers
// trees show for it (package.json menus), so the two never disagree. No 'vscode' import: unit-tested.
import { LIVE_STATES, type TaskState } from '../core/run/states';
import type { GraphAction } from '../graphProtocol';

/** Actions that run or stop something: hidden in Restricted Mode. */
const RUNS_SOMETHING: ReadonlySet<GraphAction> = new Set([
  'startWorker',
  'stopWorker',
  'restartWorker',
  'replyToWorker',
  'runGates',
  'requestChanges',
  'discardTask',
  'approveTask',
  'askWorkerToRebase',
  'resolveConflict',
]);

export function actionsFor(state: TaskState, hasWorker: boolean, trusted: boolean): GraphAction[] {
  const live = LIVE_STATES.has(state);
  const actions: GraphAction[] = ['openTask'];
  if (state === 'ready') actions.push('startWorker');
  if (hasWorker) actions.push('showWorkerTerminal');
  if (state === 'waiting_input' || state === 'worker_blocked' || state === 'idle') actions.push('replyToWorker');
  if (live) actions.push('stopWorker');
  if (hasWorker && !live && state !== 'approved') actions.push('restartWorker');
  // Review, as the Tasks view offers it for a task in review (gates and discard also for any ended worker).
  if (state === 'review') actions.push('reviewTask', 'requestChanges');
  if (hasWorker && !live && state !== 'approved') actions.push('runGates');
  // Approve: an ended worker (Workers view), or a merge that failed (Tasks view).
  if ((hasWorker && !live && state !== 'approved' && state !== 'queued') || state === 'conflict' || state === 'integration_failed') actions.push('approveTask');
  if (state === 'conflict') actions.push('askWorkerToRebase', 'resolveConflict');
  if (hasWorker) actions.push('openWorktree', 'revealWorktree');
  if (hasWorker && !live && state !== 'approved') actions.push('discardTask');
  return trusted ? actions : actions.filter((a) => !RUNS_SOMETHING.has(a));
}
