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
}

/**
 * Returns the plan text with the task appended to `tasks:`. Everything already in the file stays byte for
 * byte: the new item is rendered on its own and inserted after the last task, at the list's indentation.
 * Throws with a message a person can act on when the text is not a YAML plan or the task is not valid.
 */
export function appendTask(text: string, task: NewTask): string {
  if (!TASK_ID_PATTERN.test(task.id)) {
    throw new Error(`"${task.id}" is not a valid task id: use a-z, 0-9, ".", "_" and "-", starting with a letter or digit.`);
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

  const item = renderItem(task);
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
  return doc.toString({ lineWidth: 0 });
}

function taskObject(task: NewTask): Record<string, unknown> {
  const out: Record<string, unknown> = { id: task.id, title: task.title.trim() };
  if (task.description?.trim()) out.description = task.description.trim();
  out.deps = task.deps ?? [];
  if (task.files?.length) out.files = task.files;
  if (task.estimate?.trim()) out.estimate = task.estimate.trim();
  return out;
}

function renderItem(task: NewTask): string {
  const doc = new Document([taskObject(task)]);
  const seq = doc.contents as YAMLSeq;
  const map = seq.items[0];
  if (isMap(map)) {
    for (const pair of map.items) {
      if (isSeq(pair.value)) pair.value.flow = true;
      if (isScalar(pair.value) && typeof pair.value.value === 'string' && pair.value.value.includes('\n')) {
        pair.value.type = 'BLOCK_LITERAL';
      }
    }
  }
  return doc.toString({ lineWidth: 0 });
}
