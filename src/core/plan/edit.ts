// Edits to a YAML plan that keep the user's comments and formatting (yaml Document API).
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, YAMLSeq, type Node } from 'yaml';
import { TASK_ID_PATTERN } from './model';

export interface NewTask {
  id: string;
  title: string;
  description?: string;
  deps?: string[];
  files?: string[];
  estimate?: string;
  persona?: string;
}

/**
 * Returns the plan text with the task appended to `tasks:`. Everything already in the file stays byte for
 * byte: the new item is rendered on its own and inserted after the last task, at the list's indentation.
 * Throws with a message a person can act on when the text is not a YAML plan or the task is not valid.
 */
export function appendTask(text: string, task: NewTask): string {
  if (!TASK_ID_PATTERN.test(task.id)) {
    throw new Error(`"${task.id}" is not a valid task id: use a-z, 0-9, ".", "_" and "-", starting with a letter or digit, without ".." and not ending in "." or ".lock".`);
  }
  if (!task.title.trim()) throw new Error('A task needs a title.');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    const pos = lines.linePos(doc.errors[0].pos[0]);
    throw new Error(`The plan has a YAML syntax error at line ${pos.line}; fix it before adding a task.`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) throw new Error('The plan is not a YAML mapping; cannot add a task.');
  const tasks = doc.get('tasks', true) as Node | undefined;
  if (isSeq(tasks)) {
    for (const item of tasks.items) {
      if (isMap(item) && item.get('id') === task.id) throw new Error(`A task with id "${task.id}" already exists.`);
    }
  }

  // The file's own flow style: `[a, b]` unless it already pads its brackets (`[ a, b ]`).
  const padded = /:[ \t]*\[[ \t]+[^\s\]]/.test(text) && !/:[ \t]*\[[^\s\]]/.test(text);
  const item = renderItem(task, padded);
  if (isSeq(tasks) && !tasks.flow && tasks.items.length > 0 && tasks.range) {
    const first = tasks.items[0] as Node;
    const firstStart = first.range?.[0] ?? tasks.range[0];
    const lineStart = text.lastIndexOf('\n', firstStart - 1) + 1;
    const dash = text.indexOf('-', lineStart);
    const indent = ' '.repeat(Math.max(0, dash - lineStart));
    const last = tasks.items[tasks.items.length - 1] as Node;
    const end = last.range?.[1] ?? tasks.range[1];
    const nl = text.indexOf('\n', Math.max(firstStart, end - 1)); // end of the line holding the last task's last character
    const at = nl === -1 ? text.length : nl + 1;
    const before = text.slice(0, at);
    const blank = /\n\s*\n\s*-/.test(text.slice(firstStart, end)) ? '\n' : ''; // keep blank lines between tasks if the file has them
    const rendered = item
      .split('\n')
      .map((l) => (l ? indent + l : l))
      .join('\n');
    return (before.endsWith('\n') ? before : before + '\n') + blank + rendered + text.slice(at);
  }

  // No block list to extend (no tasks yet, or a flow list): let the Document API write the list.
  const seq = isSeq(tasks) ? tasks : new YAMLSeq();
  seq.flow = false;
  seq.items.push(doc.createNode(taskObject(task)));
  const node = seq.items[seq.items.length - 1];
  if (isMap(node)) for (const pair of node.items) if (isSeq(pair.value)) pair.value.flow = true;
  if (!isSeq(tasks)) doc.set('tasks', seq);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: padded });
}

function taskObject(task: NewTask): Record<string, unknown> {
  const out: Record<string, unknown> = { id: task.id, title: task.title.trim() };
  if (task.description?.trim()) out.description = task.description.trim();
  out.deps = task.deps ?? [];
  if (task.files?.length) out.files = task.files;
  if (task.estimate?.trim()) out.estimate = task.estimate.trim();
  if (task.persona) out.persona = task.persona;
  return out;
}

function renderItem(task: NewTask, padded: boolean): string {
  const doc = new Document([taskObject(task)]);
  const seq = doc.contents as YAMLSeq;
  const map = seq.items[0];
  if (isMap(map)) {
    for (const pair of map.items) {
      if (isSeq(pair.value)) pair.value.flow = true;
      // A description is written as a block (`description: |`), as the sample plan does, so it reads and grows well.
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (isScalar(pair.value) && typeof pair.value.value === 'string' && (pair.value.value.includes('\n') || key === 'description')) {
        pair.value.type = 'BLOCK_LITERAL';
      }
    }
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: padded });
}

/** A change to a text: delete `length` characters at `offset`, then insert `insert` there. */
export interface TextChange {
  offset: number;
  length: number;
  insert: string;
}

/**
 * The smallest change that adds `dependsOn` to the `deps` of task `taskId`, written the way the list already
 * is (`[a, b]` or one `- a` per line); a task without `deps` gets `deps: [x]` after its `id`. Everything
 * else in the file stays byte for byte. Undefined when the dependency is already there.
 */
export function addDependency(text: string, taskId: string, dependsOn: string): TextChange | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error('The plan has a YAML syntax error; fix it before adding a dependency.');
  const tasks = doc.get('tasks', true) as Node | undefined;
  const map = isSeq(tasks) ? tasks.items.find((item) => isMap(item) && item.get('id') === taskId) : undefined;
  if (!isMap(map) || !map.range) throw new Error(`There is no task "${taskId}" in the plan.`);
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === 'deps');
  const deps = pair?.value as Node | null | undefined;
  if (isSeq(deps)) {
    if (deps.items.some((d) => isScalar(d) && String(d.value) === dependsOn)) return undefined;
    const last = deps.items[deps.items.length - 1] as Node | undefined;
    if (deps.flow) {
      if (!last?.range) return { offset: deps.range![0] + 1, length: 0, insert: dependsOn };
      return { offset: last.range[1], length: 0, insert: `, ${dependsOn}` };
    }
    if (!last?.range) throw new Error(`The deps of "${taskId}" cannot be read.`);
    const lineStart = text.lastIndexOf('\n', last.range[0] - 1) + 1;
    const indent = text.slice(lineStart, text.indexOf('-', lineStart));
    return { offset: last.range[1], length: 0, insert: `\n${indent}- ${dependsOn}` };
  }
  if (pair && (deps === null || (isScalar(deps) && deps.value === null))) {
    // `deps:` with nothing after it.
    const colon = text.indexOf(':', (pair.key as Node).range![1]);
    return { offset: colon + 1, length: 0, insert: ` [${dependsOn}]` };
  }
  if (pair) throw new Error(`The deps of "${taskId}" are not a list; write them as [a, b].`);
  const idPair = map.items.find((p) => isScalar(p.key) && p.key.value === 'id')!;
  const idEnd = (idPair.value as Node).range![1];
  if (map.flow) return { offset: idEnd, length: 0, insert: `, deps: [${dependsOn}]` };
  const keyStart = (idPair.key as Node).range![0];
  const column = keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1);
  const lineEnd = text.indexOf('\n', idEnd);
  return { offset: lineEnd === -1 ? text.length : lineEnd, length: 0, insert: `\n${' '.repeat(column)}deps: [${dependsOn}]` };
}

export function applyChange(text: string, change: TextChange): string {
  return text.slice(0, change.offset) + change.insert + text.slice(change.offset + change.length);
}

/**
 * The stretch of `text` to delete to remove one list entry at [start, end): in a flow list (`[a, b]`)
 * the entry and one comma beside it; in a block list (`- a`) its whole line. Offsets, end exclusive.
 */
export function listItemRemoval(text: string, start: number, end: number): { start: number; end: number } {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const nl = text.indexOf('\n', end);
  const lineEnd = nl === -1 ? text.length : nl;
  const before = text.slice(lineStart, start);
  const after = text.slice(end, lineEnd);
  if (/^\s*-\s*$/.test(before) && /^\s*(#.*)?$/.test(after)) return { start: lineStart, end: nl === -1 ? lineEnd : nl + 1 };
  const next = /^\s*,\s*/.exec(after);
  if (next) return { start, end: end + next[0].length };
  const prev = /,\s*$/.exec(text.slice(0, start));
  if (prev) return { start: start - prev[0].length, end };
  return { start, end };
}
