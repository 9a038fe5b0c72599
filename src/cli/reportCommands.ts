// `baton report [--json]` (the Run Report), `baton archive` and `baton status --past`: a run's metrics
// and its archive, from the command line.
import { archiveRun, ArchiveRefused, pastRuns } from '../core/run/archive';
import { BatonLayout } from '../core/run/layout';
import { formatCost, formatSeconds, planMetrics } from '../core/run/metrics';
import { renderRunReport } from '../core/run/runReport';
import { parsePrices, type PriceList } from '../core/run/usage';
import { formatDiagnostic, loadPlan, UsageError, type Output } from './planCommands';
import { repositoryRoot } from './workerCommands';

function open(planFile: string) {
  const parsed = loadPlan(planFile);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new UsageError(`the plan has errors; fix them first:\n${errors.map(formatDiagnostic).join('\n')}`);
  return { plan: parsed.plan, layout: new BatonLayout(repositoryRoot(planFile)) };
}

/** BATON_PRICES (JSON, US dollars per million tokens, merged over the defaults), or the defaults. */
export function cliPrices(env: NodeJS.ProcessEnv = process.env): PriceList {
  try {
    return parsePrices(env.BATON_PRICES);
  } catch (e) {
    throw new UsageError(`BATON_PRICES: ${(e as Error).message}`);
  }
}

/** Without --json: the Run Report as Markdown (the timeline image is left out: a terminal cannot show it). */
export function runReportCommand(planFile: string, json: boolean, io: Output): number {
  const { plan, layout } = open(planFile);
  const metrics = planMetrics(layout, plan, { prices: cliPrices() });
  if (json) io.out(JSON.stringify(metrics, null, 2));
  else io.out(renderRunReport(metrics, { timelineImage: false }).markdown);
  return 0;
}

export async function archiveCommand(planFile: string, io: Output): Promise<number> {
  const { plan, layout } = open(planFile);
  try {
    const r = await archiveRun(layout, plan, { prices: cliPrices() });
    io.out(`Archived to ${r.dir}`);
    if (r.kept.length) io.out(`Left in place because they changed while being archived: ${r.kept.join(', ')}`);
    return 0;
  } catch (e) {
    if (e instanceof ArchiveRefused) {
      io.err(`baton: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

export function pastRunsCommand(planFile: string, json: boolean, io: Output): number {
  const layout = new BatonLayout(repositoryRoot(planFile));
  const runs = pastRuns(layout);
  if (json) io.out(JSON.stringify(runs));
  else if (!runs.length) io.out('No archived runs yet: a run is archived when every task of its plan is approved.');
  else {
    const width = Math.max(...runs.map((r) => r.name.length));
    for (const r of runs) io.out(`${r.name.padEnd(width)}  ${r.archivedAt.slice(0, 16).replace('T', ' ')}  ${r.approved}/${r.tasks} tasks  ${formatSeconds(r.wallSeconds).padStart(7)}  ${formatCost(r.cost)}`);
  }
  return 0;
}
