// The plan analysis as a Markdown page: stages, critical path, parallelism, simulation and file conflicts.
// Plain text in, text out (no 'vscode'), so the same words can serve a file or a preview.
import type { Analysis } from '../core/graph/analysis';
import type { Plan, PlanDiagnostic } from '../core/plan/model';
import { formatHours } from '../core/plan/durations';
import { simulate } from '../core/graph/schedule';
import { count, escapeMarkdown } from './wording';

/** A page a person can read: the most contested paths first, a few names each. */
const GROUPS_SHOWN = 50;
const TASKS_SHOWN = 12;

function listed(ids: readonly string[]): string {
  const shown = ids.slice(0, TASKS_SHOWN).map((id) => `\`${id}\``).join(', ');
  return ids.length > TASKS_SHOWN ? `${shown} and ${ids.length - TASKS_SHOWN} more` : shown;
}

/** `workers`: how many workers run at once here (the baton.maxWorkers setting, else the plan's). */
export function analysisMarkdown(plan: Plan, analysis: Analysis | undefined, diagnostics: readonly PlanDiagnostic[], file: string, workers = plan.defaults.maxWorkers): string {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const task = (id: string) => {
    const t = byId.get(id);
    const hours = t?.estimate ? ` · ${formatHours(t.hours)}` : '';
    return `\`${id}\` ${escapeMarkdown(t?.title ?? '')}${hours}`;
  };
  const out: string[] = [`# Plan analysis: ${escapeMarkdown(plan.name || file)}`, ''];
  if (!analysis) {
    out.push(`Baton could not analyse \`${file}\`; the Baton output channel says why.`);
    return out.join('\n') + '\n';
  }
  out.push(
    `\`${file}\` · ${count(plan.tasks.length, 'task')} · ${count(analysis.stages.length, 'stage')} · ${formatHours(analysis.totalHours)} of work in all`,
    '',
  );
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) {
    out.push(`> **${count(errors, 'error')} in the plan** (see the Problems panel): this analysis covers the tasks that could be read.`, '');
  }

  out.push('## Stages', '', 'Tasks in one stage do not depend on each other: they can run at the same time once the stages before them are approved.', '');
  analysis.stages.forEach((ids, i) => {
    out.push(`**Stage ${i + 1}** · ${count(ids.length, 'task')}`, '');
    for (const id of ids) out.push(`- ${task(id)}`);
    out.push('');
  });
  const unplaced = plan.tasks.filter((t) => !analysis.stageOf.has(t.id));
  if (unplaced.length > 0) {
    out.push(`**Not in a stage** · ${count(unplaced.length, 'task')} on a dependency cycle or waiting for one`, '');
    for (const t of unplaced) out.push(`- ${task(t.id)}`);
    out.push('');
  }

  const path = analysis.criticalPath;
  out.push(`## Critical path: ${formatHours(path.hours)}`, '');
  if (path.tasks.length === 0) {
    out.push('No tasks to order yet.', '');
  } else {
    out.push('The longest chain of dependencies, by estimate: no number of workers finishes the plan sooner.', '');
    path.tasks.forEach((id, i) => out.push(`${i + 1}. ${task(id)}`));
    out.push('');
  }

  const { maxWorkers } = plan.defaults;
  out.push('## Parallelism', '', `At most **${analysis.maxParallelism}** ${analysis.maxParallelism === 1 ? 'task' : 'tasks'} can run at once (the widest stage).`);
  out.push(
    analysis.maxParallelism > maxWorkers
      ? `The plan allows ${count(maxWorkers, 'worker')} at once (\`defaults.maxWorkers\`), so some ready tasks will wait for a free worker.`
      : `The plan allows ${count(maxWorkers, 'worker')} at once (\`defaults.maxWorkers\`): enough for every stage.`,
    '',
  );

  out.push(...simulationSection(plan, analysis, workers));

  out.push('## File conflicts', '');
  if (analysis.conflicts.length === 0) {
    out.push('None: no two tasks that can run at the same time expect to touch the same files.', '');
  } else {
    const pairs = analysis.conflicts.reduce((sum, g) => sum + g.pairs, 0);
    out.push(
      `${count(analysis.conflicts.length, 'contested path')}, ${count(pairs, 'pair')} of tasks that can run at the same time and may touch them; their merges may conflict. ` +
        'Baton does not start two of them at once unless the plan says `conflicts: allow`.',
      '',
    );
    for (const g of analysis.conflicts.slice(0, GROUPS_SHOWN)) {
      const also = g.patterns.length > 1 ? ` (with ${g.patterns.slice(1).map((p) => `\`${p}\``).join(', ')})` : '';
      out.push(`### \`${g.path}\`${also}`, '', `Touched by ${count(g.tasks.length, 'task')} that may run at the same time: ${listed(g.tasks)}.`, '');
      const deps = g.suggestion.deps;
      if (deps.length > 0) {
        const shown = deps.slice(0, TASKS_SHOWN).map((d) => `\`${d.task}\` after \`${d.dependsOn}\``);
        out.push(`To run them one after another, add ${deps.length === 1 ? 'one dependency' : `${deps.length} dependencies`}: ${shown.join(', ')}${deps.length > TASKS_SHOWN ? `, and ${deps.length - TASKS_SHOWN} more` : ''}.`, '');
      }
    }
    if (analysis.conflicts.length > GROUPS_SHOWN) out.push(`…and ${analysis.conflicts.length - GROUPS_SHOWN} more contested paths (\`baton analyze --json\` lists them all).`, '');
  }
  return out.join('\n');
}

/** The live scheduler's policy on a virtual clock with the estimates, for the configured K and a few others. */
function simulationSection(plan: Plan, analysis: Analysis, workers: number): string[] {
  if (plan.tasks.length === 0 || analysis.totalHours === 0) {
    return ['## Simulation', '', 'No estimates yet: give tasks an `estimate` to see how long the plan takes.', ''];
  }
  const ks = [...new Set([1, 2, 3, 4, analysis.maxParallelism, workers])].filter((k) => k >= 1 && k <= Math.max(workers, analysis.maxParallelism)).sort((a, b) => a - b);
  let mine;
  const rows: string[] = [];
  try {
    for (const k of ks) {
      const sim = simulate(plan, k);
      if (k === workers) mine = sim;
      const row = [k === workers ? `**${k}**` : String(k), formatHours(sim.makespanHours), formatHours(sim.lowerBoundHours), formatHours(sim.stageBarrierHours)];
      rows.push(`| ${row.join(' | ')} |`);
    }
  } catch {
    return ['## Simulation', '', 'Fix the problems in the plan to simulate it.', ''];
  }
  const out = ['## Simulation', ''];
  if (mine) {
    out.push(
      `With ${count(workers, 'worker')}: **${formatHours(mine.makespanHours)}**; lower bound ${formatHours(mine.lowerBoundHours)} ` +
        `(the longer of the critical path and the work split ${workers} ways); waiting for each whole stage: ${formatHours(mine.stageBarrierHours)}.`,
      '',
    );
  }
  out.push('Ready tasks start as dependencies finish, longest remaining path first, on a virtual clock with the estimates.', '');
  out.push('| Workers | Done in | Lower bound | Stage by stage |', '| ---: | ---: | ---: | ---: |', ...rows, '');
  return out;
}
