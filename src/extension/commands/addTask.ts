// Add Task: asks for the task step by step, then appends it to the plan as an edit of the open
// document, so undo works, unsaved changes stay, and the user's comments and layout are kept.
import * as vscode from 'vscode';
import { TEAM_TASK_ID } from '../../core/run/teamPlan';
import { TASK_ID_PATTERN, type Plan } from '../../core/plan/model';
import { appendTask, type NewTask } from '../../core/plan/edit';
import { parseEstimate } from '../../core/plan/durations';
import type { PlanSource } from '../planSource';
import { ensureTrusted } from '../workspaceTrust';
import { offerToCreatePlan } from './planTarget';

export function registerAddTask(context: vscode.ExtensionContext, planSource: PlanSource): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('baton.addTask', (answers?: NewTask) => addTask(planSource, answers)),
  );
}

/**
 * With `answers` (other extensions, tests) nothing is asked. Returns the plan's document with the
 * task added (unsaved), or undefined when cancelled or refused.
 */
async function addTask(planSource: PlanSource, answers?: NewTask): Promise<vscode.TextDocument | undefined> {
  if (!ensureTrusted(vscode.l10n.t('edit the plan'))) return undefined;
  // Parse now: ids typed in the last few hundred milliseconds count as existing.
  const snapshot = await planSource.reload();
  if (!snapshot) {
    offerToCreatePlan(vscode.l10n.t('There is no plan to add a task to yet.'));
    return undefined;
  }
  if (snapshot.team) {
    void vscode.window.showWarningMessage(vscode.l10n.t('A team is writing the plan: ask for changes on {0} (Request Changes), or add the task once its plan is approved.', TEAM_TASK_ID));
    return undefined;
  }
  if (snapshot.plan.format !== 'yaml') {
    void vscode.window.showErrorMessage(
      vscode.l10n.t('Add Task edits YAML plans, and {0} is Markdown. Edit it directly, or import it as YAML with "Baton: Import Markdown Plan".', snapshot.file),
    );
    return undefined;
  }
  const existing = new Set(snapshot.plan.tasks.map((t) => t.id));
  const task = answers ?? (await askForTask(snapshot.plan, existing));
  if (!task) return undefined;
  const problem = taskIdProblem(task.id, existing);
  if (problem) {
    void vscode.window.showErrorMessage(vscode.l10n.t("Can't add the task: {0}", problem));
    return undefined;
  }
  return appendToDocument(snapshot.uri, task);
}

async function appendToDocument(uri: vscode.Uri, task: NewTask): Promise<vscode.TextDocument | undefined> {
  const document = await vscode.workspace.openTextDocument(uri);
  const before = document.getText();
  let after: string;
  try {
    after = appendTask(before, task);
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t("Can't add the task: {0}", err instanceof Error ? err.message : String(err)));
    return undefined;
  }
  // Replace only the part that changed: the rest of the document (and the cursor in it) stays put.
  const change = changedRegion(before, after);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(document.positionAt(change.start), document.positionAt(change.end)), change.text);
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Baton could not edit the plan: is it open read-only?'));
    return undefined;
  }
  const editor = await vscode.window.showTextDocument(document);
  const added = document.positionAt(change.start + change.text.search(/\S/));
  // With a description, the cursor waits at its end: the place to go on writing what the worker is told.
  const description = task.description?.trim() ? change.text.indexOf(task.description.trim().split('\n').pop()!) : -1;
  const at = description >= 0 ? document.positionAt(change.start + description + task.description!.trim().split('\n').pop()!.length) : added;
  editor.selection = new vscode.Selection(at, at);
  editor.revealRange(new vscode.Range(added, added), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return document;
}

/** The one stretch where `after` differs from `before`: offsets in `before`, and its replacement. */
function changedRegion(before: string, after: string): { start: number; end: number; text: string } {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let tail = 0;
  while (
    tail < before.length - start &&
    tail < after.length - start &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) {
    tail++;
  }
  return { start, end: before.length - tail, text: after.slice(start, after.length - tail) };
}

function taskIdProblem(id: string, existing: ReadonlySet<string>): string | undefined {
  if (!TASK_ID_PATTERN.test(id)) {
    return vscode.l10n.t('An id is lowercase letters, digits, ".", "_" or "-", starts with a letter or digit, and has at most 64 characters.');
  }
  if (existing.has(id)) return vscode.l10n.t('There is already a task "{0}".', id);
  return undefined;
}

async function askForTask(plan: Plan, existing: ReadonlySet<string>): Promise<NewTask | undefined> {
  const steps = plan.tasks.length > 0 ? 6 : 5;
  let step = 0;
  const title = () => vscode.l10n.t('Add Task ({0}/{1})', ++step, steps);
  const common = { ignoreFocusOut: true };

  const id = await vscode.window.showInputBox({
    ...common,
    title: title(),
    prompt: vscode.l10n.t('Task id: names its branch, worktree folder and terminal.'),
    placeHolder: vscode.l10n.t('e.g. api-endpoint'),
    validateInput: (value) => taskIdProblem(value.trim(), existing),
  });
  if (id === undefined) return undefined;

  const taskTitle = await vscode.window.showInputBox({
    ...common,
    title: title(),
    prompt: vscode.l10n.t('Title: what the Tasks view shows.'),
    placeHolder: vscode.l10n.t('e.g. POST /api/contact endpoint'),
    validateInput: (value) => (value.trim() ? undefined : vscode.l10n.t('A task needs a title.')),
  });
  if (taskTitle === undefined) return undefined;

  // What the worker is told. One line here; the plan keeps it as a block (`description: |`) and the cursor
  // lands in it afterwards, so it can grow to as many lines as it needs.
  const description = await vscode.window.showInputBox({
    ...common,
    title: title(),
    prompt: vscode.l10n.t('Description: what the worker is told to do and how it knows it is done. Continue it on more lines in the plan afterwards.'),
    placeHolder: vscode.l10n.t('e.g. Add POST /api/contact: validate the body, store the message, answer 201 with its id.'),
    validateInput: (value) => (value.trim() ? undefined : vscode.l10n.t('The worker works from this: say what to build.')),
  });
  if (description === undefined) return undefined;

  let deps: string[] = [];
  if (plan.tasks.length > 0) {
    const picked = await vscode.window.showQuickPick(
      plan.tasks.map((t) => ({ label: t.id, description: t.title })),
      { ...common, title: title(), canPickMany: true, placeHolder: vscode.l10n.t('Tasks that must be approved before this one starts (none is fine)') },
    );
    if (picked === undefined) return undefined;
    deps = picked.map((p) => p.label);
  }

  const files = await vscode.window.showInputBox({
    ...common,
    title: title(),
    prompt: vscode.l10n.t('Files it expects to touch, as comma-separated globs (optional). Tasks that can run together should not share files.'),
    placeHolder: vscode.l10n.t('e.g. src/server/routes/contact.ts, test/server/**'),
  });
  if (files === undefined) return undefined;

  const estimate = await vscode.window.showInputBox({
    ...common,
    title: title(),
    prompt: vscode.l10n.t('Estimate (optional): the analysis adds these up along the critical path.'),
    placeHolder: vscode.l10n.t('e.g. 2h, 30m, 1.5d (a day is 8h)'),
    validateInput: (value) =>
      !value.trim() || parseEstimate(value) !== undefined ? undefined : vscode.l10n.t('Write hours, minutes or days: 2h, 30m, 1.5d.'),
  });
  if (estimate === undefined) return undefined;

  return {
    id: id.trim(),
    title: taskTitle.trim(),
    description: description.trim(),
    deps,
    files: files.split(',').map((f) => f.trim()).filter(Boolean),
    estimate: estimate.trim() || undefined,
  };
}
