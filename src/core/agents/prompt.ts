// What a worker is told: its task, the plan around it, how to report and how to ask for help.
// Written to .baton/runs/<id>/prompt.md and handed over as a file or an argument, never through a shell.
import { rivalsIn } from '../graph/conflicts';
import type { Analysis } from '../graph/analysis';
import type { Plan, Task } from '../plan/model';
import { branchName } from '../run/layout';
import type { Persona } from './personas';
import type { ReadContext } from './sharedContext';

/** What the team around a task adds to its prompt: the worker's persona and the plan's shared context. */
export interface TeamContext {
  persona?: Persona;
  shared?: ReadContext;
}

export function workerPrompt(plan: Plan, task: Task, analysis: Analysis, running: string[] = [], team: TeamContext = {}): string {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const lines: string[] = [
    `# Task ${task.id}: ${task.title}`,
    '',
    `You are one worker in a team running the plan "${plan.name || plan.file}". You work on this task only, in this`,
    `git worktree, on the branch \`${branchName(task.id)}\` (started from \`${plan.base}\`). The person leading the team`,
    'reviews your commits and merges them.',
    ...teamSections(team),
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
    lines.push('', 'Other tasks may touch the same files as yours; keep your changes to those files small:', '');
    for (const c of conflicts) {
      const others = rivalsIn(c, task.id);
      lines.push(`- \`${c.path}\`: ${others.slice(0, 8).join(', ')}${others.length > 8 ? ` and ${others.length - 8} more` : ''}`);
    }
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
    '## Handing over',
    '',
    'When you have finished, after your last commit, tell the reviewer in your own words what you did and what you',
    'did not do (left out, could not finish, or are unsure of). The reviewer reads this beside your diff:',
    '',
    '    baton report done "what you did" --not-done "what you did not do, or: nothing"',
    '',
    'For a longer account, write it to a file and run `baton report done --file that-file.md`; do not commit that file.',
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

// ---- team: persona and shared context ------------------------------------------------------------

/** The persona's instructions, then the plan's shared context (text and files, fenced). */
function teamSections(team: TeamContext): string[] {
  const out: string[] = [];
  if (team.persona) out.push('', team.persona.text);
  const shared = team.shared;
  if (shared && (shared.text.trim() || shared.files.length)) {
    out.push('', '## Shared context', '', 'Every worker of this plan is given this.');
    if (shared.text.trim()) out.push('', shared.text.trim());
    for (const f of shared.files) {
      if (f.content === undefined) {
        out.push('', `\`${f.path}\`: ${f.note}`);
        continue;
      }
      // A fence longer than any backtick run inside, so the file cannot close it early.
      const fence = '`'.repeat(Math.max(3, ...[...f.content.matchAll(/`+/g)].map((m) => m[0].length + 1)));
      out.push('', `\`${f.path}\`${f.truncated ? ' (cut: only its beginning is shown; read the file for the rest)' : ''}:`, '', fence, f.content.replace(/\n$/, ''), fence);
    }
  }
  const notes = shared?.notes;
  if (notes?.content !== undefined) {
    const fence = '`'.repeat(Math.max(3, ...[...notes.content.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    out.push(
      '',
      '## Notes from approved work',
      '',
      `Tasks of this plan approved before you started, and what they changed (\`${notes.path}\`${notes.truncated ? ', latest notes only' : ''}). Their work is on the base your branch started from.`,
      '',
      fence,
      notes.content.replace(/\n$/, ''),
      fence,
    );
  }
  return out;
}
