// Repositories with finished workers, for the merge queue and merge preview tests: a plan, a worktree per
// finished task with its work committed, and the calls a window makes (states, approve, process, review).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWorktree } from '../../src/core/git/worktrees';
import { parsePlan } from '../../src/core/plan/parse';
import { approveTask } from '../../src/core/run/approve';
import { appendEvent } from '../../src/core/run/events';
import { runGates } from '../../src/core/run/gates';
import { writeHeartbeat } from '../../src/core/run/heartbeat';
import { BatonLayout } from '../../src/core/run/layout';
import { processQueue, type GateRunner } from '../../src/core/run/mergeQueue';
import { gatherReview } from '../../src/core/run/reviewSummary';
import { RunStore } from '../../src/core/run/runStore';
import { planStates } from '../../src/core/run/states';
import { git, makeRepo, planYaml } from './workspaceRepo';

export const gates: GateRunner = (cwd, commands, options) => runGates(cwd, commands, options);

/** A finished worker: its branch has `files` committed, and its heartbeat says done. */
export async function finishedTask(repo: string, id: string, files: Record<string, string>): Promise<string> {
  const layout = new BatonLayout(repo);
  const wt = layout.worktree(id);
  await ensureWorktree(repo, id, 'main', wt);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(wt, f), text);
  git(wt, 'add', '-A');
  git(wt, 'commit', '-qm', `work on ${id}`);
  layout.ensureRunDir(id);
  writeHeartbeat(layout.heartbeat(id), { task_id: id, status: 'done', updated_at: new Date().toISOString(), exit_code: 0 });
  appendEvent(layout.events(id), { type: 'exit', at: new Date().toISOString(), code: 0, status: 'done' });
  return wt;
}

/** A repository with the plan of `tasks`, and the calls a window makes on it. */
export function queueRepo(tasks: string, extra = '') {
  const text = planYaml(tasks, extra);
  const repo = makeRepo(text);
  const layout = new BatonLayout(repo);
  const plan = parsePlan(text, join(repo, 'baton.yaml')).plan;
  const store = new RunStore(layout, () => 30);
  const states = () => {
    const views = new Map([...store.readAll()].map(([id, r]) => [id, r.view]));
    return planStates(plan, new Set([...views].filter(([, v]) => v.state === 'approved').map(([id]) => id)), views);
  };
  const approve = (taskId: string, force = false, gateResults?: { command: string; exit_code: number }[]) =>
    approveTask({ layout, plan, taskId, states: states(), gateResults, force, style: 'merge' });
  const cleaned: string[] = [];
  /** The plan's own gates for a queued task, as the extension and the CLI give them. */
  const planTask = (id: string) => {
    const task = plan.tasks.find((t) => t.id === id);
    return task && { base: plan.base, gates: task.gates };
  };
  const process = () => processQueue({ layout, planTask, runGates: gates, cleanup: async (id) => void cleaned.push(id) });
  const review = (id: string) => gatherReview(layout, plan.tasks.find((t) => t.id === id)!, plan.base, states().get(id)!);
  return { repo, layout, plan, store, states, approve, process, cleaned, review, planTask };
}
