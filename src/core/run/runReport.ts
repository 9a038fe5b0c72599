// The Run Report: a Markdown document of a plan's metrics (metrics.ts) — a table per task, estimate
// against actual as bars, and a timeline of the workers as an SVG image beside it. Plain text in, plain
// text out: the extension opens it in the Markdown preview, the CLI prints it, an archive keeps it.
import { formatCost, formatSeconds, formatTokens, type PlanMetrics, type TaskMetrics } from './metrics';

export interface RenderedReport {
  markdown: string;
  /** The timeline image, to be written next to the Markdown under `timelineFile`. */
  timelineSvg: string;
}

export const TIMELINE_FILE = 'timeline.svg';

/** Characters Markdown would read as formatting, in a table cell or a heading. */
function cell(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`).replace(/\s+/g, ' ');
}

/** "(1.2k pre-review)" after a number of tokens, when AI pre-reviews used some. */
function preReviewShare(tokens: number): string {
  return tokens > 0 ? ` (${formatTokens(tokens)} pre-review)` : '';
}

function hours(h: number): string {
  return h > 0 && h < 1 ? `${Math.round(h * 60)}m` : `${Math.round(h * 10) / 10}h`;
}

export function renderRunReport(m: PlanMetrics, options: { timelineImage?: boolean } = {}): RenderedReport {
  const t = m.totals;
  const out: string[] = [];
  out.push(`# Run Report: ${cell(m.plan)}`, '');
  out.push(`${t.approved} of ${t.tasks} tasks approved · generated ${m.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`, '');
  out.push('| | Plan |', '|---|---|');
  out.push(`| Wall time | ${formatSeconds(t.wallSeconds)} |`);
  out.push(`| Active (workers working) | ${formatSeconds(t.activeSeconds)} |`);
  out.push(`| Waiting for you | ${formatSeconds(t.waitingSeconds)} |`);
  out.push(`| Tokens (input / output / cache write / cache read) | ${formatTokens(t.tokens.total)} (${formatTokens(t.tokens.input)} / ${formatTokens(t.tokens.output)} / ${formatTokens(t.tokens.cacheWrite)} / ${formatTokens(t.tokens.cacheRead)})${t.preReviewTokens > 0 ? `, ${formatTokens(t.preReviewTokens)} of them AI pre-review` : ''} |`);
  out.push(`| Cost | ${formatCost(t.cost)}${t.preReviewTokens > 0 ? ` (${formatCost(t.preReviewCost)} AI pre-review)` : ''} |`);
  out.push(`| Gate runs · changes requested | ${t.gateRuns} · ${t.changesRequested} |`);
  out.push(`| Estimate · actual (sum of tasks) | ${hours(t.estimateHours)} · ${hours(t.actualHours)} |`, '');

  out.push('## Tasks', '');
  out.push('| Task | State | Wall | Active | Waiting | Tokens | Cost | Gate runs | Changes requested | Estimate | Actual |');
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const x of m.tasks) {
    const state = x.approved ? 'approved' : x.started ? 'started' : 'not started';
    const gates = x.gateFailures ? `${x.gateRuns} (${x.gateFailures} failed)` : String(x.gateRuns);
    out.push(
      `| \`${x.task}\` ${cell(x.title)} | ${state} | ${formatSeconds(x.wallSeconds)} | ${formatSeconds(x.activeSeconds)} | ${formatSeconds(x.waitingSeconds)} | ${formatTokens(x.tokens.total)}${preReviewShare(x.preReviewTokens)} | ${formatCost(x.cost)} | ${gates} | ${x.changesRequested} | ${x.estimateHours !== undefined ? hours(x.estimateHours) : '—'} | ${x.started ? hours(x.actualHours) : '—'} |`,
    );
  }
  out.push('');

  out.push('## Estimate against actual', '');
  out.push('```text', ...estimateBars(m.tasks), '```', '');

  out.push('## Timeline of workers', '');
  const started = m.tasks.filter((x) => x.startedAt);
  if (!started.length) out.push('No worker has started yet.', '');
  else if (options.timelineImage !== false) {
    out.push(`![Timeline: each task's worker runs as a bar; green while working, orange while waiting for you](${TIMELINE_FILE})`, '');
  }
  return { markdown: out.join('\n'), timelineSvg: timelineSvg(m) };
}

/**
 * Two bars per task on one scale, `#` for the estimate and `=` for the actual wall time:
 *
 *     ui-form  est  ########            2h
 *              act  ===========         2.8h
 */
export function estimateBars(tasks: TaskMetrics[], width = 40): string[] {
  const shown = tasks.filter((x) => x.estimateHours !== undefined || x.started);
  if (!shown.length) return ['(no estimates and no started tasks yet)'];
  const max = Math.max(...shown.map((x) => Math.max(x.estimateHours ?? 0, x.actualHours)), 1e-9);
  const name = Math.max(...shown.map((x) => x.task.length));
  const bar = (h: number, c: string) => c.repeat(h > 0 ? Math.max(1, Math.round((h / max) * width)) : 0).padEnd(width);
  const lines: string[] = [];
  for (const x of shown) {
    lines.push(`${x.task.padEnd(name)}  est  ${bar(x.estimateHours ?? 0, '#')}  ${x.estimateHours !== undefined ? hours(x.estimateHours) : '—'}`);
    lines.push(`${''.padEnd(name)}  act  ${bar(x.started ? x.actualHours : 0, '=')}  ${x.started ? hours(x.actualHours) : '—'}`);
  }
  return lines;
}

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One row per task: its launches in grey, working in green, waiting for you in orange, on one time axis. */
export function timelineSvg(m: PlanMetrics): string {
  const rows = m.tasks.filter((x) => x.startedAt);
  const label = 150;
  const width = 760;
  const rowH = 22;
  const top = 24;
  const height = top + Math.max(rows.length, 1) * rowH + 24;
  const start = rows.length ? Math.min(...rows.map((x) => Date.parse(x.startedAt!))) : 0;
  const end = rows.length ? Math.max(...rows.map((x) => Date.parse(x.endedAt ?? x.startedAt!))) : 1;
  const span = Math.max(end - start, 1000);
  const x = (iso: string) => label + ((Date.parse(iso) - start) / span) * (width - label - 10);
  const rect = (a: string, b: string, y: number, h: number, fill: string) =>
    `<rect x="${x(a).toFixed(1)}" y="${y}" width="${Math.max(x(b) - x(a), 1).toFixed(1)}" height="${h}" fill="${fill}"/>`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${label}" y="16" fill="#333">${xml(new Date(start).toISOString().slice(11, 16))} UTC</text>`,
    `<text x="${width - 10}" y="16" fill="#333" text-anchor="end">+${xml(formatSeconds(span / 1000))}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="4" y="${y + 15}" fill="#222">${xml(r.task.length > 22 ? r.task.slice(0, 21) + '…' : r.task)}</text>`);
    for (const run of r.runs) parts.push(rect(run.start, run.end, y + 4, 14, '#d0d0d0'));
    for (const p of r.periods) parts.push(rect(p.start, p.end, y + 6, 10, p.kind === 'active' ? '#2e9e44' : '#e8891c'));
  });
  parts.push(`<text x="4" y="${height - 6}" fill="#555">grey: running · green: working · orange: waiting for you</text>`, '</svg>');
  return parts.join('\n') + '\n';
}
