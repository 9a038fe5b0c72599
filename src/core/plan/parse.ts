// Entry point for reading a plan: picks the format by file name, parses, then validates.
import { readMarkdownPlan } from './markdown';
import type { ParseResult } from './model';
import { validatePlan } from './validate';
import { readYamlPlan, readYamlPlanQuickly } from './yamlPlan';

export interface ParseOptions {
  /**
   * Where each task is written (Task.span). The editor needs it; `baton analyze` does not, and a large
   * YAML plan reads several times faster without it. Diagnostics always carry exact positions: a plan with
   * anything to report is re-read with positions.
   */
  taskPositions?: boolean;
}

/** Parses and validates a plan. Never throws on bad input: problems come back as diagnostics. */
export function parsePlan(text: string, file: string, options: ParseOptions = {}): ParseResult {
  if (isMarkdownPlan(file)) return validated(readMarkdownPlan(text, file));
  if (options.taskPositions === false) {
    const quick = readYamlPlanQuickly(text, file);
    if (quick) {
      validatePlan(quick.plan, quick.diagnostics);
      if (quick.diagnostics.length === 0) return quick;
    }
  }
  return validated(readYamlPlan(text, file));
}

function validated(result: ParseResult): ParseResult {
  validatePlan(result.plan, result.diagnostics);
  result.diagnostics.sort(
    (a, b) => a.span.start.line - b.span.start.line || a.span.start.column - b.span.start.column,
  );
  return result;
}

export function isMarkdownPlan(file: string): boolean {
  return /\.(md|markdown)$/i.test(file);
}
