// The plan analysis as a Markdown page: stages, critical path, parallelism, simulation and file conflicts.
// Plain text in, text out (no 'vscode'), so the same words can serve a file or a preview. Its words are
// localized through @vscode/l10n, which activate() gives the extension's bundle.
import * as l10n from '@vscode/l10n';
import type { Analysis } from '../core/graph/analysis';
import type { Plan, PlanDiagnostic } from '../core/plan/model';
import { formatHours } from '../core/plan/durations';
import { simulate } from '../core/graph/schedule';
import { escapeMarkdown } from './wording';

/** A page a person can read: the most contested paths first, a few names each. */
const GROUPS_SHOWN = 50;
const TASKS_SHOWN = 12;

function listed(ids: readonly string[]): string {
  const shown = ids.slice(0, TASKS_SHOWN).map((id) => `\`${id}\``).join(', ');
  return ids.length > TASKS_SHOWN ? l10n.t('{0} and {1} more', shown, ids.length - TASKS_SHOWN) : shown;
}

/** `workers`: how many workers run at once here (the baton.maxWorkers setting, else the plan's). */
export function analysisMarkdown(plan: Plan, analysis: Analysis | undefined, diagnostics: readonly PlanDiagnostic[], file: string, workers = plan.defaults.maxWorkers): string {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const task = (id: string) => {
    const t = byId.get(id);
    const hours = t?.estimate ? ` · ${formatHours(t.hours)}` : '';
    return `\`${id}\` ${escapeMarkdown(t?.title ?? '')}${hours}`;
  };
  const out: string[] = [`# ${l10n.t('Plan analysis: {0}', escapeMarkdown(plan.name || file))}`, ''];
  if (!analysis) {
    out.push(l10n.t('Baton could not analyse {0}; the Baton output channel says why.', `\`${file}\``));
    return out.join('\n') + '\n';
  }
  out.push(
    l10n.t('{0} · {1} · {2} · {3} of work in all', `\`${file}\``, tasksCount(plan.tasks.length), stagesCount(analysis.stages.length), formatHours(analysis.totalHours)),
    '',
  );
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) {
    out.push(
      `> ${
        errors === 1
          ? l10n.t('**1 error in the plan** (see the Problems panel): this analysis covers the tasks that could be read.')
          : l10n.t('**{0} errors in the plan** (see the Problems panel): this analysis covers the tasks that could be read.', errors)
      }`,
      '',
    );
  }

  out.push(`## ${l10n.t('Stages')}`, '', l10n.t('Tasks in one stage do not depend on each other: they can run at the same time once the stages before them are approved.'), '');
  analysis.stages.forEach((ids, i) => {
    out.push(l10n.t('**Stage {0}** · {1}', i + 1, tasksCount(ids.length)), '');
    for (const id of ids) out.push(`- ${task(id)}`);
    out.push('');
  });
  const unplaced = plan.tasks.filter((t) => !analysis.stageOf.has(t.id));
  if (unplaced.length > 0) {
    out.push(l10n.t('**Not in a stage** · {0} on a dependency cycle or waiting for one', tasksCount(unplaced.length)), '');
    for (const t of unplaced) out.push(`- ${task(t.id)}`);
    out.push('');
  }

  const path = analysis.criticalPath;
  out.push(`## ${l10n.t('Critical path: {0}', formatHours(path.hours))}`, '');
  if (path.tasks.length === 0) {
    out.push(l10n.t('No tasks to order yet.'), '');
  } else {
    out.push(l10n.t('The longest chain of dependencies, by estimate: no number of workers finishes the plan sooner.'), '');
    path.tasks.forEach((id, i) => out.push(`${i + 1}. ${task(id)}`));
    out.push('');
  }

  const { maxWorkers } = plan.defaults;
  out.push(
    `## ${l10n.t('Parallelism')}`,
    '',
    analysis.maxParallelism === 1
      ? l10n.t('At most **1** task can run at once (the widest stage).')
      : l10n.t('At most **{0}** tasks can run at once (the widest stage).', analysis.maxParallelism),
  );
  out.push(
    analysis.maxParallelism > maxWorkers
      ? l10n.t('The plan allows {0} at once ({1}), so some ready tasks will wait for a free worker.', workersCount(maxWorkers), '`defaults.maxWorkers`')
      : l10n.t('The plan allows {0} at once ({1}): enough for every stage.', workersCount(maxWorkers), '`defaults.maxWorkers`'),
    '',
  );

  out.push(...simulationSection(plan, analysis, workers));

  out.push(`## ${l10n.t('File conflicts')}`, '');
  if (analysis.conflicts.length === 0) {
    out.push(l10n.t('None: no two tasks that can run at the same time expect to touch the same files.'), '');
  } else {
    const pairs = analysis.conflicts.reduce((sum, g) => sum + g.pairs, 0);
    const paths = analysis.conflicts.length === 1 ? l10n.t('1 contested path') : l10n.t('{0} contested paths', analysis.conflicts.length);
    out.push(
      pairs === 1
        ? l10n.t('{0}, 1 pair of tasks that can run at the same time and may touch them; their merges may conflict. Baton does not start two of them at once unless the plan says {1}.', paths, '`conflicts: allow`')
        : l10n.t('{0}, {1} pairs of tasks that can run at the same time and may touch them; their merges may conflict. Baton does not start two of them at once unless the plan says {2}.', paths, pairs, '`conflicts: allow`'),
      '',
    );
    for (const g of analysis.conflicts.slice(0, GROUPS_SHOWN)) {
      const also = g.patterns.length > 1 ? ` ${l10n.t('(with {0})', g.patterns.slice(1).map((p) => `\`${p}\``).join(', '))}` : '';
      out.push(`### \`${g.path}\`${also}`, '', l10n.t('Touched by {0} that may run at the same time: {1}.', tasksCount(g.tasks.length), listed(g.tasks)), '');
      const deps = g.suggestion.deps;
      if (deps.length > 0) {
        const shown = deps.slice(0, TASKS_SHOWN).map((d) => l10n.t('{0} after {1}', `\`${d.task}\``, `\`${d.dependsOn}\``)).join(', ');
        const all = deps.length > TASKS_SHOWN ? l10n.t('{0}, and {1} more', shown, deps.length - TASKS_SHOWN) : shown;
        out.push(deps.length === 1 ? l10n.t('To run them one after another, add one dependency: {0}.', all) : l10n.t('To run them one after another, add {0} dependencies: {1}.', deps.length, all), '');
      }
    }
    if (analysis.conflicts.length > GROUPS_SHOWN) {
      out.push(l10n.t('…and {0} more contested paths ({1} lists them all).', analysis.conflicts.length - GROUPS_SHOWN, '`baton analyze --json`'), '');
    }
  }
  return out.join('\n');
}

/** The live scheduler's policy on a virtual clock with the estimates, for the configured K and a few others. */
function simulationSection(plan: Plan, analysis: Analysis, workers: number): string[] {
  if (plan.tasks.length === 0 || analysis.totalHours === 0) {
    return [`## ${l10n.t('Simulation')}`, '', l10n.t('No estimates yet: give tasks an {0} to see how long the plan takes.', '`estimate`'), ''];
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
    return [`## ${l10n.t('Simulation')}`, '', l10n.t('Fix the problems in the plan to simulate it.'), ''];
  }
  const out = [`## ${l10n.t('Simulation')}`, ''];
  if (mine) {
    out.push(
      l10n.t(
        'With {0}: **{1}**; lower bound {2} (the longer of the critical path and the work split {3} ways); waiting for each whole stage: {4}.',
        workersCount(workers),
        formatHours(mine.makespanHours),
        formatHours(mine.lowerBoundHours),
        workers,
        formatHours(mine.stageBarrierHours),
      ),
      '',
    );
  }
  out.push(l10n.t('Ready tasks start as dependencies finish, longest remaining path first, on a virtual clock with the estimates.'), '');
  const head = [l10n.t('Workers'), l10n.t('Done in'), l10n.t('Lower bound'), l10n.t('Stage by stage')];
  out.push(`| ${head.join(' | ')} |`, '| ---: | ---: | ---: | ---: |', ...rows, '');
  return out;
}

function tasksCount(n: number): string {
  return n === 1 ? l10n.t('1 task') : l10n.t('{0} tasks', n);
}

function stagesCount(n: number): string {
  return n === 1 ? l10n.t('1 stage') : l10n.t('{0} stages', n);
}

function workersCount(n: number): string {
  return n === 1 ? l10n.t('1 worker') : l10n.t('{0} workers', n);
}
