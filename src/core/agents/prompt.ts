// What a worker is told: its task, the plan around it, how to report and how to ask for help.
// Written to .baton/runs/<id>/prompt.md and handed over as a file or an argument, never through a shell.
import type { Analysis } from '../graph/analysis';
import type { Plan, Task } from '../plan/model';
import { branchName } from '../run/layout';

export function workerPrompt(plan: Plan, task: Task, analysis: Analysis, running: string[] = []): string {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const lines: string[] = [
    `# Task ${task.id}: ${task.title}`,
    '',
    `You are one worker in a team running the plan "${plan.name || plan.file}". You work on this task only, in this`,
    `git worktree, on the branch \`${branchName(task.id)}\` (started from \`${plan.base}\`). The person leading the team`,
    'reviews your commits and merges them.',
    '',
    '## What to do',
    '',
    task.description.trim() || task.title,
  ];
  if (task.files.length) {
    lines.push('', '## Files you are expected to touch', '', ...task.files.map((f) => `- \`${f}\``));
  }
  if (task.deps.length) {
    lines.push('', '## Already done (merged into your branch)', '', ...task.deps.map((d) => `- ${d}: ${byId.get(d)?.title ?? d}`));
  }
  const alongside = running.filter((id) => id !== task.id && byId.has(id));
  if (alongside.length) {
    lines.push('', '## Working alongside you', '', 'Other workers are on these tasks right now; stay out of their files:', '');
    for (const id of alongside) {
      const other = byId.get(id)!;
      lines.push(`- ${id}: ${other.title}${other.files.length ? ` (${other.files.map((f) => `\`${f}\``).join(', ')})` : ''}`);
    }
  }
  const conflicts = analysis.conflicts.filter((c) => c.tasks.includes(task.id));
  if (conflicts.length) {
    lines.push('', 'These tasks may touch the same files as yours; keep your changes to those files small:', '');
    for (const c of conflicts) lines.push(`- ${c.tasks.find((t) => t !== task.id)}: ${c.patterns.map((p) => `\`${p}\``).join(', ')}`);
  }
  lines.push('', '## Before you finish', '');
  if (task.gates.length) {
    lines.push('These checks must pass in this worktree before your work can be approved:', '', ...task.gates.map((g) => `- \`${g}\``), '');
  }
  lines.push(
    'Commit your work on this branch with clear messages (`git add` and `git commit`). Do not push, do not',
    'merge, and do not switch branches.',
    '',
    '## Reporting',
    '',
    'Baton follows what you do through hooks, so you need not report each step. For a long task you may say how far',
    'along you are with `baton report progress 40` (a percentage).',
    '',
    '## If you are stuck',
    '',
    'If you cannot go on without a decision from the person, say so in one line with:',
    '',
    '    baton report blocked "what you need to know"',
    '',
    'then wait: the answer will be typed into this session.',
    '',
  );
  return lines.join('\n');
}
