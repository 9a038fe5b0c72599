// A task's history for people: the steps in its events.jsonl (started, gates, review, changes requested,
// approved, queued, merged, conflict, discarded), one line each. Hook events are left out: they are
// what the worker did moment to moment, not steps of the task.
import type { RunEvent } from './events';
import { TERMINAL_CLOSED } from './workerState';

export interface HistoryEntry {
  at: string;
  type: string;
  text: string;
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const short = (v: unknown) => (typeof v === 'string' ? v.slice(0, 7) : '');
const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function describe(e: RunEvent): string | undefined {
  switch (e.type) {
    case 'launch':
      return e.resume ? 'worker started again, resuming its conversation' : 'worker started';
    case 'exit':
      return `worker exited${e.code === null || e.code === undefined ? '' : ` (code ${e.code})`}${str(e.reason) ? `: ${e.reason}` : ''}`;
    case 'stopped':
      return e.signal === 'SIGHUP' ? `worker stopped: ${TERMINAL_CLOSED}` : 'worker stopped by you';
    case 'report:blocked':
      return `worker blocked: ${str(e.reason) ?? ''}`;
    case 'report:done':
      return 'worker handed over its summary';
    case 'reply':
      return 'you replied';
    case 'checkpoint':
      return `uncommitted work checkpointed${str(e.commit) ? ` as ${short(e.commit)}` : ''}`;
    case 'gates': {
      const results = Array.isArray(e.results) ? (e.results as { command?: string; exit_code?: number | null }[]) : [];
      const failed = results.find((r) => r.exit_code !== 0);
      return e.passed ? `gates passed (${count(results.length, 'gate')})` : `gates failed${failed?.command ? `: ${failed.command} (exit ${failed.exit_code ?? 'none'})` : ''}`;
    }
    case 'pre-review':
      return e.status === 'done' ? `AI pre-review written (on ${short(e.commit)})` : `AI pre-review failed: ${str(e.error) ?? ''}`;
    case 'review-opened':
      return 'review opened';
    case 'changes-requested':
      return `changes requested${e.via === 'resume' ? ' (worker resumed)' : ''}: ${str(e.feedback) ?? str(e.text) ?? ''}`;
    case 'discarded': {
      const lost = [e.commits ? count(Number(e.commits), 'commit') : '', list(e.uncommitted).length ? count(list(e.uncommitted).length, 'uncommitted file') : '']
        .filter(Boolean)
        .join(' and ');
      return `discarded${lost ? ` (${lost} thrown away)` : ''}`;
    }
    case 'worktree_kept':
      return `worktree kept after the merge: it holds ${count(list(e.files).length, 'file')} its branch does not (${list(e.files).slice(0, 5).join(', ')})`;
    case 'worktree_removed':
      return `worktree removed${list(e.uncommitted).length ? ` (${count(list(e.uncommitted).length, 'uncommitted file')} thrown away)` : ''}`;
    case 'approved':
      return `approved${e.anyway || e.approved_anyway ? ' anyway (gates did not pass)' : ''}${str(e.sha) ? ` as ${short(e.sha)}` : ''}`;
    case 'queued':
      return 'queued to merge';
    case 'merge_waiting':
      return `merge waiting for git${str(e.lock) ? ` (${str(e.lock)})` : ''}`;
    case 'merged':
      return `merged${str(e.sha) ? ` as ${short(e.sha)}` : ''}`;
    case 'conflict':
      return `merge conflict${list(e.files).length ? ` in ${list(e.files).join(', ')}` : ''}`;
    case 'integration_failed':
    case 'integration-failed':
      return 'gates failed on the merged tree';
    default:
      return undefined;
  }
}

export function taskHistory(events: readonly RunEvent[]): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const e of events) {
    const text = describe(e);
    if (text) out.push({ at: e.at, type: e.type, text: text.replace(/\s+/g, ' ').trim().slice(0, 300) });
  }
  return out;
}
