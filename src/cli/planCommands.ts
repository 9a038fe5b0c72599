// `baton validate`, `baton analyze`, `baton simulate`: read a plan, print what the engine says.
import { readFileSync } from 'node:fs';
import { analyzePlan, type Analysis } from '../core/graph/analysis';
import { simulate } from '../core/graph/schedule';
import { formatHours } from '../core/plan/durations';
import type { ParseResult, PlanDiagnostic } from '../core/plan/model';
import { parsePlan } from '../core/plan/parse';

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
    errors: parsed.diagnostics.filter((d) => d.severity === 'error').map(diagnosticJson),
    warnings: parsed.diagnostics.filter((d) => d.severity === 'warning').map(diagnosticJson),
  };
}

export function analyzeCommand(file: string, json: boolean, io: Output): number {
  const parsed = loadPlan(file);
  const analysis = analyzePlan(parsed.plan);
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
    `File conflicts: ${analysis.conflicts.length === 0 ? 'none' : analysis.conflicts.length}`,
    ...analysis.conflicts.map((c) => `  ${c.tasks[0]} <> ${c.tasks[1]} on ${c.patterns.join(', ')}: ${c.suggestion}`),
  ];
  io.out(lines.join('\n'));
  return hasErrors(parsed) ? 1 : 0;
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
        ...result.schedule.map((s) => `  worker ${s.worker}  ${formatHours(s.start).padStart(7)} -> ${formatHours(s.end).padEnd(7)} ${s.task}`),
      ].join('\n'),
    );
  }
  return hasErrors(parsed) ? 1 : 0;
}
