// Entry point for reading a plan: picks the format by file name, parses, then validates.
import { readMarkdownPlan } from './markdown';
import type { ParseResult } from './model';
import { validatePlan } from './validate';
import { readYamlPlan } from './yamlPlan';

/** Parses and validates a plan. Never throws on bad input: problems come back as diagnostics. */
export function parsePlan(text: string, file: string): ParseResult {
  const result = isMarkdownPlan(file) ? readMarkdownPlan(text, file) : readYamlPlan(text, file);
  validatePlan(result.plan, result.diagnostics);
  result.diagnostics.sort(
    (a, b) => a.span.start.line - b.span.start.line || a.span.start.column - b.span.start.column,
  );
  return result;
}

export function isMarkdownPlan(file: string): boolean {
  return /\.(md|markdown)$/i.test(file);
}
