// Every worker as a lead would list them: persona, state, worktree, terminal and Claude Code session id
// (the hooks carry `session_id`; hookIntake records it on each event). `baton sessions` and `baton attach`.
import { existsSync } from 'node:fs';
import { personaOf } from '../agents/personas';
import type { Plan } from '../plan/model';
import { readEvents } from './events';
import type { BatonLayout } from './layout';
import type { TaskState } from './states';

const TERMINAL_PREFIX = 'Baton: ';

/** The terminal the extension opens for a worker (headless workers have none). */
export function terminalName(taskId: string): string {
  return `${TERMINAL_PREFIX}${taskId}`;
}

/** The task whose worker a terminal named by terminalName() belongs to; undefined for any other terminal. */
export function taskOfTerminal(name: string): string | undefined {
  return name.startsWith(TERMINAL_PREFIX) ? name.slice(TERMINAL_PREFIX.length) : undefined;
}

export interface SessionRow {
  task: string;
  persona: string;
  state: TaskState;
  /** Undefined until a worker was prepared for the task. */
  worktree?: string;
  terminal?: string;
  /** The latest Claude Code session id the hooks reported. */
  session?: string;
}

/** One row per task that has had a worker (a run folder), in plan order. */
export function listSessions(plan: Plan, layout: BatonLayout, states: ReadonlyMap<string, TaskState>): SessionRow[] {
  const rows: SessionRow[] = [];
  for (const task of plan.tasks) {
    if (!existsSync(layout.runDir(task.id))) continue;
    const events = readEvents(layout.events(task.id));
    let session: string | undefined;
    let headless: boolean | undefined;
    let persona: string | undefined;
    for (const e of events) {
      if (typeof e.session === 'string' && /^[A-Za-z0-9-]{1,100}$/.test(e.session)) session = e.session;
      if (e.type === 'prepare') {
        headless = e.headless === true;
        if (typeof e.persona === 'string') persona = e.persona;
      }
    }
    const worktree = layout.worktree(task.id);
    rows.push({
      task: task.id,
      persona: persona ?? personaOf(plan, task),
      state: states.get(task.id) ?? 'ready',
      worktree: existsSync(worktree) ? worktree : undefined,
      terminal: headless === false ? terminalName(task.id) : undefined,
      session,
    });
  }
  return rows;
}
