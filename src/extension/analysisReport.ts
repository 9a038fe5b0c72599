// The plan analysis as a Markdown page: stages, critical path, parallelism and file conflicts.
// Plain text in, text out (no 'vscode'), so the same words can serve a file or a preview.
import type { Analysis } from '../core/graph/analysis';
import type { Plan, PlanDiagnostic } from '../core/plan/model';
import { formatHours } from '../core/plan/durations';
import { count, escapeMarkdown } from './wording';

export function analysisMarkdown(plan: Plan, analysis: Analysis | undefined, diagnostics: readonly PlanDiagnostic[], file: string): string {
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

  out.push('## File conflicts', '');
  if (analysis.conflicts.length === 0) {
    out.push('None: no two tasks that can run at the same time expect to touch the same files.', '');
  } else {
    out.push('Tasks that can run at the same time and may touch the same files; their merges may conflict.', '');
    for (const c of analysis.conflicts) {
      const patterns = c.patterns.map((p) => `\`${p}\``).join(', ');
      out.push(`- \`${c.tasks[0]}\` and \`${c.tasks[1]}\` both match ${patterns}: ${escapeMarkdown(c.suggestion)}.`);
    }
    out.push('');
  }
  return out.join('\n');
}
