// Plan spans count lines and columns from 1 (as `file:line:col` does); editor ranges count from 0.
import * as vscode from 'vscode';
import type { Span } from '../core/plan/model';

export function spanToRange(span: Span): vscode.Range {
  const start = new vscode.Position(Math.max(0, span.start.line - 1), Math.max(0, span.start.column - 1));
  const end = new vscode.Position(Math.max(0, span.end.line - 1), Math.max(0, span.end.column - 1));
  return new vscode.Range(start, end.isBefore(start) ? start : end);
}
