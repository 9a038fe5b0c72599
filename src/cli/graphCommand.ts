// `baton graph [PLAN] --svg FILE | --mermaid`: the plan as a picture, laid out as the Graph panel lays it out.
import { writeFileSync } from 'node:fs';
import { analyzePlan } from '../core/graph/analysis';
import { buildGraphView } from '../core/graph/graphView';
import { renderMermaid } from '../core/graph/mermaid';
import { renderSvg } from '../core/graph/svg';
import { planStates } from '../core/run/states';
import { formatDiagnostic, loadPlan, UsageError, type Output } from './planCommands';

export function graphCommand(file: string, options: { svg?: string; mermaid: boolean }, io: Output): number {
  if ((options.svg === undefined) === !options.mermaid) {
    throw new UsageError('graph needs one of --svg FILE (a picture; "-" prints it) or --mermaid (a flowchart for Markdown).');
  }
  const parsed = loadPlan(file);
  for (const d of parsed.diagnostics) io.err(formatDiagnostic(d));
  const analysis = analyzePlan(parsed.plan);
  if (options.mermaid) io.out(renderMermaid(parsed.plan, analysis).trimEnd());
  else {
    // The plan's own states (ready or blocked): the same plan always gives the same bytes.
    const svg = renderSvg(buildGraphView(parsed.plan, analysis, parsed.diagnostics), planStates(parsed.plan));
    if (options.svg === '-') io.out(svg.trimEnd());
    else {
      try {
        writeFileSync(options.svg!, svg);
      } catch (e) {
        throw new UsageError(`cannot write ${options.svg}: ${(e as Error).message}`);
      }
      io.err(`${options.svg}: ${parsed.plan.tasks.length} tasks`);
    }
  }
  return parsed.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}
