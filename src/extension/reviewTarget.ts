// Which task an editor's title-bar command (Approve Task) acts on. Titles are not unique (a worker's
// request makes one), so the task is known by its id, carried in the resources Baton gives the editor:
// the review diff's own resource (`baton-review-diff:/<id>`), a `baton-base:` file (`?task=<id>`), the
// review summary (`baton-review:/<id>/…`), or a file in the task's worktree. The tab's title is the last
// resort, and only when one task has it. No 'vscode' here: the rules are unit-tested on their own.

export const REVIEW_DIFF_SCHEME = 'baton-review-diff';

/** The parts of a URI that are read (a vscode.Uri has them). */
export interface ResourceParts {
  scheme: string;
  path: string;
  query: string;
}

export interface ReviewTask {
  id: string;
  /** Its review diff's tab title (reviewTitle). */
  reviewTitle: string;
  /** Its worktree folder. */
  worktree: string;
}

export type EditorTask = { id: string } | { ambiguous: string[] } | undefined;

/** The task a resource belongs to, or undefined when it carries none of the plan's task ids. */
export function taskOfResource(uri: ResourceParts, tasks: readonly ReviewTask[]): string | undefined {
  const known = (id: string | null | undefined) => (id && tasks.some((t) => t.id === id) ? id : undefined);
  if (uri.scheme === REVIEW_DIFF_SCHEME || uri.scheme === 'baton-review') return known(uri.path.split('/')[1]);
  if (uri.scheme === 'baton-base') return known(new URLSearchParams(uri.query).get('task'));
  if (uri.scheme !== 'file' && uri.scheme !== 'vscode-remote') return undefined;
  return tasks.find((t) => uri.path === t.worktree || uri.path.startsWith(`${t.worktree.replace(/\/+$/, '')}/`))?.id;
}

/**
 * The task of the editor a title-bar command was run from: by the resource VS Code passed, else by the
 * resources the active tab shows (all of one task), else by the tab's title when exactly one task has that
 * review title. Two tasks with the title and no id: ambiguous, never the first of them.
 */
export function taskOfEditor(
  resource: ResourceParts | undefined,
  tab: { label: string; resources: readonly ResourceParts[] } | undefined,
  tasks: readonly ReviewTask[],
): EditorTask {
  const direct = resource && taskOfResource(resource, tasks);
  if (direct) return { id: direct };
  if (!tab) return undefined;
  const shown = tabTasks(tab.resources, tasks);
  if (shown.size === 1) return { id: [...shown][0] };
  if (shown.size > 1) return { ambiguous: [...shown] };
  const titled = tasksTitled(tab.label, tasks);
  if (titled.length === 1) return { id: titled[0] };
  return titled.length > 1 ? { ambiguous: titled } : undefined;
}

/** The tasks whose files a tab shows (a review diff shows one task's). */
export function tabTasks(resources: readonly ResourceParts[], tasks: readonly ReviewTask[]): Set<string> {
  return new Set(resources.map((r) => taskOfResource(r, tasks)).filter((id): id is string => id !== undefined));
}

/** The tasks whose review diff would have this tab title. */
export function tasksTitled(label: string, tasks: readonly ReviewTask[]): string[] {
  const exact = tasks.filter((t) => label === t.reviewTitle);
  // The editor may add the number of files to the title: "Review: Alpha (3 files)".
  return (exact.length ? exact : tasks.filter((t) => label.startsWith(`${t.reviewTitle} (`))).map((t) => t.id);
}
