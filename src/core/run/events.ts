// events.jsonl: one JSON object a line — hook events, launches, exits, approvals. Append-only.
import { appendFileSync, readFileSync } from 'node:fs';

export interface RunEvent {
  /** e.g. `launch`, `exit`, `hook:PostToolUse`, `report:blocked`, `checkpoint`. */
  type: string;
  at: string;
  [key: string]: unknown;
}

/** One line, one write, O_APPEND: concurrent writers never interleave inside a line. */
export function appendEvent(file: string, event: RunEvent): void {
  appendFileSync(file, JSON.stringify(event) + '\n', { flag: 'a' });
}

/** Reads every complete line; a torn last line or a garbage line is skipped, not fatal. */
export function readEvents(file: string): RunEvent[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: RunEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line);
      if (e && typeof e === 'object' && typeof e.type === 'string') out.push(e);
    } catch {
      // a line being written right now, or written by something else: skip it
    }
  }
  return out;
}
