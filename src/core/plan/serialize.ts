// Writes a plan model as baton.yaml text (used by Import Markdown Plan).
import { Document, YAMLSeq } from 'yaml';
import type { Plan, Task } from './model';

export function planToYaml(plan: Plan, comment?: string): string {
  const doc = new Document({
    version: 1,
    name: plan.name || undefined,
    base: plan.base,
    ...(plan.defaults.persona || plan.defaults.sandbox
      ? { defaults: { ...(plan.defaults.persona ? { persona: plan.defaults.persona } : {}), ...(plan.defaults.sandbox ? { sandbox: plan.defaults.sandbox } : {}) } }
      : {}),
    ...contextObject(plan),
    tasks: plan.tasks.map(taskObject),
  });
  if (comment) doc.commentBefore = ` ${comment}`;
  // Short lists read best inline ([a, b]); long text stays block style.
  const tasks = doc.get('tasks') as YAMLSeq;
  for (const item of tasks.items) {
    for (const key of ['deps', 'files', 'gates']) {
      const seq = (item as { get(k: string, keep: true): unknown }).get(key, true);
      if (seq instanceof YAMLSeq) seq.flow = true;
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/** `context:` as the YAML reader takes it: short text alone, or `text` and `files`. */
function contextObject(plan: Plan): Record<string, unknown> {
  const { text, files } = plan.context;
  if (!files.length) return text ? { context: text } : {};
  return { context: { ...(text ? { text } : {}), files } };
}

function taskObject(task: Task): Record<string, unknown> {
  const out: Record<string, unknown> = { id: task.id, title: task.title };
  if (task.description) out.description = task.description;
  out.deps = task.deps;
  if (task.files.length) out.files = task.files;
  if (task.estimate) out.estimate = task.estimate;
  if (task.complexity) out.complexity = task.complexity;
  if (task.persona) out.persona = task.persona;
  if (task.agent) out.agent = task.agent;
  if (task.conflicts) out.conflicts = task.conflicts;
  if (task.sandbox) out.sandbox = task.sandbox;
  if (task.gates.length) out.gates = task.gates;
  return out;
}
