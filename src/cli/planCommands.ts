// `baton validate`, `baton analyze`, `baton simulate`: read a plan, print what the engine says.
import { readFileSync } from 'node:fs';
import { analyzePlan, type Analysis, type AnalyzeOptions, type ConflictGroup } from '../core/graph/analysis';
import { simulate } from '../core/graph/schedule';
import { formatHours } from '../core/plan/durations';
import type { ParseResult, PlanDiagnostic } from '../core/plan/model';
import { parsePlan } from '../core/plan/parse';
import { checkBaseBranchSync } from '../core/git/baseBranch';

export class UsageError extends Error {}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export function loadPlan(file: string): ParseResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String((e as Error).message);
    throw new UsageError(
      `cannot read plan ${file}: ${why}. Pass a plan file (baton.yaml or a Phases .md), or run it in a folder that has baton.yaml.`,
    );
  }
  return parsePlan(text, file, { taskPositions: false });
}

export function formatDiagnostic(d: PlanDiagnostic): string {
  return `${d.file}:${d.span.start.line}:${d.span.start.column}: ${d.severity} ${d.code}: ${d.message}`;
}

function diagnosticJson(d: PlanDiagnostic) {
  return { code: d.code, message: d.message, file: d.file, line: d.span.start.line, column: d.span.start.column };
}

function hasErrors(parsed: ParseResult): boolean {
  return parsed.diagnostics.some((d) => d.severity === 'error');
}

export function validateCommand(file: string, json: boolean, io: Output): number {
  const parsed = loadPlan(file);
  // Needs git, so not part of parsing: a `base` that names no branch here.
  const base = checkBaseBranchSync(file, parsed.plan, readFileSync(file, 'utf8'));
  if (base) parsed.diagnostics.push(base);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  const warnings = parsed.diagnostics.filter((d) => d.severity === 'warning');
  if (json) {
    io.out(
      JSON.stringify({
        valid: errors.length === 0,
        tasks: parsed.plan.tasks.length,
        errors: errors.map(diagnosticJson),
        warnings: warnings.map(diagnosticJson),
      }),
    );
  } else {
    for (const d of parsed.diagnostics) io.err(formatDiagnostic(d));
    if (errors.length === 0) io.out(`${file}: valid, ${parsed.plan.tasks.length} tasks${warnings.length ? `, ${warnings.length} warnings` : ''}`);
    else io.err(`${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}`);
  }
  return errors.length === 0 ? 0 : 1;
}

export function analysisJson(parsed: ParseResult, analysis: Analysis) {
  return {
    name: parsed.plan.name,
    tasks: parsed.plan.tasks.length,
    order: analysis.order,
    stages: analysis.stages,
    criticalPath: analysis.criticalPath,
    maxParallelism: analysis.maxParallelism,
    totalHours: analysis.totalHours,
    conflicts: analysis.conflicts,
    ...(analysis.conflictPairs ? { conflictPairs: analysis.conflictPairs } : {}),
    errors: parsed.diagnostics.filter((d) => d.severity === 'error').map(diagnosticJson),
    warnings: parsed.diagnostics.filter((d) => d.severity === 'warning').map(diagnosticJson),
  };
}

export function analyzeCommand(file: string, json: boolean, io: Output, options: AnalyzeOptions = {}): number {
  const parsed = loadPlan(file);
  const analysis = analyzePlan(parsed.plan, options);
  if (json) {
    io.out(JSON.stringify(analysisJson(parsed, analysis)));
    return hasErrors(parsed) ? 1 : 0;
  }
  for (const d of parsed.diagnostics) io.err(formatDiagnostic(d));
  const lines = [
    `${parsed.plan.name || file}: ${parsed.plan.tasks.length} tasks, ${formatHours(analysis.totalHours)} of work`,
    '',
    ...analysis.stages.map((ids, i) => `Stage ${i + 1} (${ids.length}): ${ids.join(', ')}`),
    '',
    `Critical path (${formatHours(analysis.criticalPath.hours)}): ${analysis.criticalPath.tasks.join(' -> ') || 'none'}`,
    `Max parallelism: ${analysis.maxParallelism}`,
    ...conflictLines(analysis.conflicts),
    ...(analysis.conflictPairs ? [`Conflicting pairs: ${analysis.conflictPairs.length}`, ...analysis.conflictPairs.map((c) => `  ${c.tasks[0]} <> ${c.tasks[1]} on ${c.patterns.join(', ')}: ${c.suggestion}`)] : []),
  ];
  io.out(lines.join('\n'));
  return hasErrors(parsed) ? 1 : 0;
}

/** Most tasks named in one line of text output; the JSON has them all. */
const NAMED = 8;

function conflictLines(groups: readonly ConflictGroup[]): string[] {
  if (groups.length === 0) return ['File conflicts: none'];
  const pairs = groups.reduce((sum, g) => sum + g.pairs, 0);
  const lines = [`File conflicts: ${groups.length} contested path${groups.length === 1 ? '' : 's'} (${pairs} pair${pairs === 1 ? '' : 's'} of tasks may run at once)`];
  for (const g of groups) {
    const also = g.patterns.length > 1 ? ` (with ${g.patterns.slice(1).join(', ')})` : '';
    lines.push(`  ${g.path}${also}: touched by ${g.tasks.length} tasks that may run at the same time: ${named(g.tasks)}`);
    const deps = g.suggestion.deps;
    if (deps.length > 0) {
      const shown = deps.slice(0, NAMED).map((d) => `${d.task} after ${d.dependsOn}`);
      lines.push(`    fix: add ${deps.length} dependenc${deps.length === 1 ? 'y' : 'ies'}: ${shown.join(', ')}${deps.length > NAMED ? `, … (${deps.length - NAMED} more in --json)` : ''}`);
    }
  }
  return lines;
}

function named(ids: readonly string[]): string {
  return ids.length <= NAMED ? ids.join(', ') : `${ids.slice(0, NAMED).join(', ')}, … (${ids.length - NAMED} more)`;
}

export function simulateCommand(file: string, workers: number, json: boolean, io: Output): number {
  const parsed = loadPlan(file);
  const result = simulate(parsed.plan, workers);
  if (json) {
    io.out(JSON.stringify(result));
  } else {
    for (const d of parsed.diagnostics) io.err(formatDiagnostic(d));
    io.out(
      [
        `${workers} worker${workers === 1 ? '' : 's'}: done in ${formatHours(result.makespanHours)}` +
          ` (lower bound ${formatHours(result.lowerBoundHours)}; stage by stage ${formatHours(result.stageBarrierHours)})`,
        result.heldByConflicts > 0
          ? `Conflict locks: ${result.heldByConflicts} task${result.heldByConflicts === 1 ? '' : 's'} wait for a task that may touch the same files; ` +
            `without the locks (conflicts: allow) ${formatHours(result.makespanWithoutConflictLocksHours)}`
          : `Conflict locks: no task waits for one (same ${formatHours(result.makespanWithoutConflictLocksHours)} with conflicts: allow)`,
        ...result.schedule.map((s) => `  worker ${s.worker}  ${formatHours(s.start).padStart(7)} -> ${formatHours(s.end).padEnd(7)} ${s.task}`),
      ].join('\n'),
    );
  }
  return hasErrors(parsed) ? 1 : 0;
}
