// Which tasks a plan's errors touch. They must not look ready (an unknown dependency is dropped before
// analysis, so without this its task would look free to start): they are shown as needing a fix.
import type { Plan, PlanDiagnostic } from './model';

/** Each touched task's errors, in plan order of the errors. */
export function problemsByTask(plan: Plan, diagnostics: readonly PlanDiagnostic[]): Map<string, PlanDiagnostic[]> {
  const out = new Map<string, PlanDiagnostic[]>();
  const add = (id: string, d: PlanDiagnostic) => {
    const list = out.get(id) ?? [];
    if (!list.includes(d)) list.push(d);
    out.set(id, list);
  };
  for (const d of diagnostics) {
    if (d.severity !== 'error') continue;
    for (const id of d.tasks ?? []) add(id, d);
    // An error inside a task's entry (a wrong type, a bad estimate) touches that task. Spans are 0 when
    // the plan was read without positions, and a Markdown task's span is its heading alone.
    const line = d.span.start.line;
    for (const t of plan.tasks) {
      if (t.span.start.line > 0 && line >= t.span.start.line && line < t.span.end.line) add(t.id, d);
    }
  }
  return out;
}
