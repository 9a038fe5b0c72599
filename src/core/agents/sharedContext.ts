// The plan's `context:` as every worker reads it: the short text, and the listed files read from the
// repository at launch. Paths stay inside the repository (symlinks included) and sizes are capped, so a
// plan cannot pour a secret from elsewhere, or a huge file, into a prompt.
import { openSync, readSync, closeSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import type { SharedContext } from '../plan/model';
import { contextPathProblem } from '../plan/yamlPlan';

export const CONTEXT_FILE_MAX_BYTES = 16 * 1024;
export const CONTEXT_TOTAL_MAX_BYTES = 48 * 1024;
export const CONTEXT_TEXT_MAX_CHARS = 4000;

export interface ContextFile {
  path: string;
  /** Undefined when the file could not be included; `note` says why. */
  content?: string;
  truncated?: boolean;
  note?: string;
}

export interface ReadContext {
  text: string;
  files: ContextFile[];
  /** The plan's notes from approved work (approvalNotes.ts), when the file exists. */
  notes?: ContextFile;
}

/** The latest notes matter most: a long notes file is given from its end. */
export const NOTES_MAX_BYTES = 16 * 1024;

/** The notes file beside the plan, its last NOTES_MAX_BYTES; undefined when there is none (or it is not a plain file). */
export function readNotes(file: string, name: string): ContextFile | undefined {
  let size: number;
  try {
    const st = lstatSync(file);
    if (!st.isFile()) return undefined; // a symlink could lead anywhere
    size = st.size;
  } catch {
    return undefined;
  }
  const start = Math.max(0, size - NOTES_MAX_BYTES);
  const buf = Buffer.alloc(size - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  if (buf.includes(0)) return { path: name, note: 'not included: it is a binary file' };
  // From the first whole line when cut.
  const text = buf.toString('utf8');
  const content = start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  return content.trim() ? { path: name, content, truncated: start > 0 } : undefined;
}

export function readSharedContext(root: string, context: SharedContext): ReadContext {
  const text = context.text.length > CONTEXT_TEXT_MAX_CHARS ? context.text.slice(0, CONTEXT_TEXT_MAX_CHARS) + '\n[…cut: context text is capped]' : context.text;
  const files: ContextFile[] = [];
  let budget = CONTEXT_TOTAL_MAX_BYTES;
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    realRoot = root;
  }
  for (const path of context.files) {
    const problem = contextPathProblem(path);
    if (problem) {
      files.push({ path, note: `not included: it ${problem}` });
      continue;
    }
    let real: string;
    try {
      real = realpathSync(join(root, path));
    } catch {
      files.push({ path, note: 'not included: no such file in the repository' });
      continue;
    }
    const rel = relative(realRoot, real);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      files.push({ path, note: 'not included: it leads outside the repository' });
      continue;
    }
    if (!statSync(real).isFile()) {
      files.push({ path, note: 'not included: not a file' });
      continue;
    }
    if (budget <= 0) {
      files.push({ path, note: `not included: the shared context is capped at ${CONTEXT_TOTAL_MAX_BYTES} bytes` });
      continue;
    }
    const cap = Math.min(CONTEXT_FILE_MAX_BYTES, budget);
    const buf = Buffer.alloc(cap + 1);
    const fd = openSync(real, 'r');
    let n: number;
    try {
      n = readSync(fd, buf, 0, cap + 1, 0);
    } finally {
      closeSync(fd);
    }
    if (buf.subarray(0, n).includes(0)) {
      files.push({ path, note: 'not included: it is a binary file' });
      continue;
    }
    const truncated = n > cap;
    const content = buf.subarray(0, Math.min(n, cap)).toString('utf8');
    budget -= Math.min(n, cap);
    files.push({ path, content, truncated });
  }
  return { text, files };
}
