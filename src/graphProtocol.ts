// The Graph panel's messages, both directions, in one place: the extension host (src/extension/graphPanel.ts)
// and the webview (webview-ui/) import this file. Everything from the webview is untrusted input:
// `parseFromWebview` lets through only well-formed known messages.
import type { GraphView } from './core/graph/graphView';
import type { TaskState } from './core/run/states';

// The webview reaches core only through this module: the layout it draws and the task states it filters by.
export type { GraphNodeView, GraphView } from './core/graph/graphView';
export { NEEDS_YOU_STATES, WORKING_STATES, type TaskState } from './core/run/states';

/** Actions a box's context menu may offer; the host decides which, for each task, as the Tasks tree would. */
export const GRAPH_ACTIONS = {
  openTask: 'Open Task in Plan',
  startWorker: 'Start Worker',
  showWorkerTerminal: 'Show Terminal',
  replyToWorker: 'Reply to Worker',
  stopWorker: 'Stop Worker',
  restartWorker: 'Restart Worker',
  reviewTask: 'Review Task',
  runGates: 'Run Gates',
  requestChanges: 'Request Changes',
  approveTask: 'Approve Task',
  askWorkerToRebase: 'Ask the Worker to Rebase',
  resolveConflict: 'Resolve Merge Conflict in Editor',
  openWorktree: 'Open Worktree in New Window',
  revealWorktree: 'Reveal Worktree in File Explorer',
  discardTask: 'Discard Task',
} as const;
export type GraphAction = keyof typeof GRAPH_ACTIONS;

/** What changes while workers run; sent without a new layout. */
export interface TaskLive {
  state: TaskState;
  /** The state as the tree words it ("Waiting for you"). */
  label: string;
  /** A running worker's latest activity, shortened. */
  activity?: string;
  actions: GraphAction[];
}

export type ToWebview =
  /** host: a new layout (first load, or the plan's shape changed); the webview keeps its viewport where it can */
  | { type: 'graph'; view: GraphView; live: Record<string, TaskLive>; trusted: boolean; file: string; banner?: string }
  /** host: states, activities and menus changed; boxes stay where they are */
  | { type: 'live'; live: Record<string, TaskLive> }
  /** host: there is no plan to show (or no folder) */
  | { type: 'empty'; message: string }
  /** host: the Tasks tree selected this task */
  | { type: 'select'; id: string };

export type FromWebview =
  /** webview: loaded and listening; the host answers with 'graph' or 'empty' */
  | { type: 'ready' }
  /** webview: the person selected a box (click, keyboard); the Tasks tree reveals it */
  | { type: 'select'; id: string }
  /** webview: double-click or Enter on a box: open the plan at the task */
  | { type: 'open'; id: string }
  /** webview: a context-menu action on a task */
  | { type: 'action'; action: GraphAction; id: string }
  /** webview: a problem in the list was clicked: open the plan there */
  | { type: 'openProblem'; line: number; column: number };

const MAX_ID = 200;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID;
const isPosition = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 10_000_000;
const hasOnly = (o: object, keys: string[]) => Object.keys(o).every((k) => keys.includes(k));

/** The message if it is one the webview may send, exactly; otherwise undefined (the host logs and drops it). */
export function parseFromWebview(raw: unknown): FromWebview | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return hasOnly(m, ['type']) ? { type: 'ready' } : undefined;
    case 'select':
    case 'open':
      return hasOnly(m, ['type', 'id']) && isId(m.id) ? { type: m.type, id: m.id } : undefined;
    case 'action':
      return hasOnly(m, ['type', 'action', 'id']) && isId(m.id) && typeof m.action === 'string' && Object.hasOwn(GRAPH_ACTIONS, m.action)
        ? { type: 'action', action: m.action as GraphAction, id: m.id }
        : undefined;
    case 'openProblem':
      return hasOnly(m, ['type', 'line', 'column']) && isPosition(m.line) && isPosition(m.column) ? { type: 'openProblem', line: m.line, column: m.column } : undefined;
    default:
      return undefined;
  }
}

/** What the webview keeps through a reload (vscode.setState) and the serializer hands back. */
export interface GraphPanelState {
  /** Pan and zoom: the graph point at the view's top-left, and the scale. */
  viewport?: { x: number; y: number; scale: number };
  selected?: string;
  filter?: string;
  search?: string;
}
