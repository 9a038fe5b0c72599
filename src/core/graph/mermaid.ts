// The graph as a Mermaid flowchart (`baton graph --mermaid`), for a pull request or a README: GitHub
// renders it. Left to right, one box per task, the critical path in red, contested files as dotted links.
import type { Plan } from '../plan/model';
import type { Analysis } from './analysis';
import { conflictGroups } from './graphView';

/** Mermaid ids must be plain words; task ids may hold dots and dashes, so boxes are numbered. */
export function renderMermaid(plan: Plan, analysis: Analysis | undefined): string {
  const key = new Map(plan.tasks.map((t, i) => [t.id, `t${i}`]));
  const label = (text: string) => text.replace(/"/g, '#quot;').replace(/[<>]/g, (c) => (c === '<' ? '#lt;' : '#gt;'));
  const lines = ['flowchart LR'];
  for (const t of plan.tasks) {
    const detail = t.estimate ? `${t.id} · ${t.estimate}` : t.id;
    lines.push(`  ${key.get(t.id)}["${label(t.title || t.id)}<br/><small>${label(detail)}</small>"]`);
  }
  const critical = new Set<string>();
  const path = analysis?.criticalPath.tasks ?? [];
  for (let i = 1; i < path.length; i++) critical.add(`${path[i - 1]}\n${path[i]}`);
  let link = 0;
  const criticalLinks: number[] = [];
  for (const t of plan.tasks) {
    for (const d of t.deps) {
      if (!key.has(d) || d === t.id) continue;
      if (critical.has(`${d}\n${t.id}`)) criticalLinks.push(link);
      lines.push(`  ${key.get(d)} --> ${key.get(t.id)}`);
      link++;
    }
  }
  for (const group of analysis ? conflictGroups(plan, analysis) : []) {
    for (const [a, b] of group.pairs) {
      lines.push(`  ${key.get(a)} -. "${label(group.patterns.join(', '))}" .- ${key.get(b)}`);
      link++;
    }
  }
  if (path.length > 0) {
    lines.push('  classDef critical stroke:#d73a49,stroke-width:2px');
    lines.push(`  class ${path.map((id) => key.get(id)).join(',')} critical`);
  }
  if (criticalLinks.length > 0) lines.push(`  linkStyle ${criticalLinks.join(',')} stroke:#d73a49,stroke-width:2px`);
  return lines.join('\n') + '\n';
}
