// Entry point for reading a plan: picks the format by file name, parses, then validates.
import type { ParseResult } from './model';

/** Parses and validates a plan. Never throws on bad input: problems come back as diagnostics. */
export function parsePlan(text: string, file: string): ParseResult {
  void text;
  void file;
  throw new Error('not implemented yet');
}
