// What Claude Code hooks report, turned into heartbeat status and an events.jsonl line.
// `baton hook <event>` calls this with the hook's JSON from stdin.
import { relative, isAbsolute } from 'node:path';
import { commitsAhead, hasUncommittedChanges } from '../git/worktrees';
import { appendEvent } from './events';
import { oneLine, updateHeartbeat, type Heartbeat, type WorkerStatus } from './heartbeat';
import { isCurrentLaunch, launchTag } from './launches';
import type { BatonLayout } from './layout';
import { sumUsage, totalTokens, transcriptUsage } from './usage';

export const HOOK_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Notification', 'Stop', 'SessionEnd'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export interface HookContext {
  layout: BatonLayout;
  taskId: string;
  /** The plan's base branch, to tell whether a stopped worker committed anything. */
  base: string;
  /** The launch the hook's session belongs to (BATON_LAUNCH_ID). */
  launchId?: string;
  now?: () => Date;
}

/** Returns the heartbeat written, or undefined when the hook came from an older launch (then only its event is recorded). */
export async function intakeHook(ctx: HookContext, event: HookEvent, payload: Record<string, unknown>): Promise<Heartbeat | undefined> {
  const now = (ctx.now ?? (() => new Date()))();
  const worktree = ctx.layout.worktree(ctx.taskId);
  const activity = describe(event, payload, worktree);
  let status: WorkerStatus | undefined;
  switch (event) {
    case 'SessionStart':
    case 'UserPromptSubmit':
    case 'PreToolUse':
    case 'PostToolUse':
      status = 'in_progress';
      break;
    case 'Notification':
      // `idle_prompt` comes a while after a finished turn: the worker is not asking anything new, so a
      // task in review (or idle) stays so. Permission questions and other prompts do need the person.
      status = payload.notification_type === 'idle_prompt' ? undefined : 'waiting_input';
      break;
    case 'Stop':
      // Finished its turn: with work on the branch it is ready for review, otherwise idle at the prompt.
      status = (await commitsAhead(ctx.layout.root, worktree, ctx.base)) > 0 || (await hasUncommittedChanges(ctx.layout.root, worktree)) ? 'done' : 'idle';
      break;
    case 'SessionEnd':
      status = undefined; // the supervisor records the exit
  }
  // The transcript's usage is recorded with the event, so metrics outlive the transcript (metrics.ts).
  const usage = event === 'Stop' || event === 'SessionEnd' ? transcriptUsage(payload.transcript_path) : undefined;
  const tokens = usage ? totalTokens(sumUsage(usage)) : undefined;
  appendEvent(ctx.layout.events(ctx.taskId), {
    type: `hook:${event}`,
    at: now.toISOString(),
    activity,
    ...(usage ? { transcript: payload.transcript_path, usage } : {}),
    ...(event === 'Notification' && typeof payload.notification_type === 'string' ? { notification: payload.notification_type } : {}),
    ...(typeof payload.session_id === 'string' ? { session: payload.session_id } : {}),
    ...launchTag(ctx.launchId),
  });
  return updateHeartbeat(ctx.layout.heartbeat(ctx.taskId), ctx.taskId, (current) => {
    if (!isCurrentLaunch(ctx.layout, ctx.taskId, ctx.launchId)) return undefined;
    const keepBlocked = current?.status === 'blocked' && event !== 'UserPromptSubmit';
    return {
      ...(current ?? { task_id: ctx.taskId, status: 'starting', started_at: now.toISOString() }),
      task_id: ctx.taskId,
      status: keepBlocked ? 'blocked' : (status ?? current?.status ?? 'in_progress'),
      ...(tokens !== undefined ? { tokens_used: tokens } : {}),
      // The end of a session says nothing new about the work: keep what it last did.
      activity: event === 'SessionEnd' ? (current?.activity ?? activity) : activity,
      updated_at: now.toISOString(),
      agent_at: now.toISOString(),
      // Inside a tool call from PreToolUse until any later event (a refused tool gets no PostToolUse).
      in_tool: event === 'PreToolUse' ? true : undefined,
      ...(status && !keepBlocked ? { reason: undefined } : {}),
    };
  });
}

/** "Edit src/form.ts", "Bash npm test", "Waiting: Claude needs your permission to use Bash". */
export function describe(event: HookEvent, payload: Record<string, unknown>, worktree: string): string {
  const input = (payload.tool_input ?? {}) as Record<string, unknown>;
  const tool = typeof payload.tool_name === 'string' ? payload.tool_name : '';
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  switch (event) {
    case 'PreToolUse':
    case 'PostToolUse': {
      const path = text(input.file_path) || text(input.notebook_path) || text(input.path);
      const shown = path && isAbsolute(path) && !relative(worktree, path).startsWith('..') ? relative(worktree, path) : path;
      const detail = shown || text(input.command) || text(input.pattern) || text(input.url) || text(input.description);
      return oneLine(detail ? `${tool} ${detail}` : tool || event, 120);
    }
    case 'Notification':
      return payload.notification_type === 'idle_prompt' ? 'Finished its turn' : oneLine(`Waiting: ${text(payload.message) || 'needs your input'}`, 120);
    case 'UserPromptSubmit':
      return 'Reading the prompt';
    case 'SessionStart':
      return 'Session started';
    case 'Stop':
      return 'Finished its turn';
    case 'SessionEnd':
      return 'Session ended';
  }
}

/** Tokens the session has used so far (every kind summed); undefined when there is no readable transcript. */
export function transcriptTokens(path: unknown): number | undefined {
  const usage = transcriptUsage(path);
  return usage ? totalTokens(sumUsage(usage)) : undefined;
}

/** The Claude Code session the worker last reported in a hook (events.jsonl), to resume its conversation. */
export function lastSession(events: readonly Record<string, unknown>[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const s = events[i].session;
    // Session ids are UUIDs; anything else in the file is not passed on as an argument.
    if (typeof s === 'string' && /^[A-Za-z0-9-]{8,100}$/.test(s)) return s;
  }
  return undefined;
}
