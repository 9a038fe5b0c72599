// The Markdown "Phases" plan format, parsed into the same model as baton.yaml.
import type { ParseResult } from './model';

export function parseMarkdownPlan(text: string, file: string): ParseResult {
  void text;
  void file;
  throw new Error('not implemented yet');
}
