// Which ready tasks to start now: up to maxWorkers live at once, longest remaining path first — the
// same policy `baton simulate` measures.
import { indexGraph } from '../graph/analysis';
import { priorityOrder, remainingPath } from '../graph/schedule';
import type { Plan } from '../plan/model';
import { LIVE_STATES, type TaskState } from './states';

export function tasksToStart(plan: Plan, states: ReadonlyMap<string, TaskState>, maxWorkers: number): string[] {
  const live = [...states.values()].filter((s) => LIVE_STATES.has(s)).length;
  const free = Math.max(0, maxWorkers - live);
  if (free === 0) return [];
  const g = indexGraph(plan);
  const before = priorityOrder(remainingPath(g));
  return g.ids
    .map((_, i) => i)
    .filter((i) => states.get(g.ids[i]) === 'ready')
    .sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0))
    .slice(0, free)
    .map((i) => g.ids[i]);
}
