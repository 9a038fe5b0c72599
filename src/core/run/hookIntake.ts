// What Claude Code hooks report, turned into heartbeat status and an events.jsonl line.
// `baton hook <event>` calls this with the hook's JSON from stdin.
import { readFileSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import { commitsAhead, hasUncommittedChanges } from '../git/worktrees';
import { appendEvent } from './events';
import { oneLine, updateHeartbeat, type Heartbeat, type WorkerStatus } from './heartbeat';
import type { BatonLayout } from './layout';

export const HOOK_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Notification', 'Stop', 'SessionEnd'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export interface HookContext {
  layout: BatonLayout;
  taskId: string;
  /** The plan's base branch, to tell whether a stopped worker committed anything. */
  base: string;
  now?: () => Date;
}

export async function intakeHook(ctx: HookContext, event: HookEvent, payload: Record<string, unknown>): Promise<Heartbeat> {
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
      status = (await commitsAhead(worktree, ctx.base)) > 0 || (await hasUncommittedChanges(worktree)) ? 'done' : 'idle';
      break;
    case 'SessionEnd':
      status = undefined; // the supervisor records the exit
  }
  const tokens = event === 'Stop' || event === 'SessionEnd' ? transcriptTokens(payload.transcript_path) : undefined;
  appendEvent(ctx.layout.events(ctx.taskId), {
    type: `hook:${event}`,
    at: now.toISOString(),
    activity,
    ...(typeof payload.session_id === 'string' ? { session: payload.session_id } : {}),
  });
  return updateHeartbeat(ctx.layout.heartbeat(ctx.taskId), ctx.taskId, (current) => {
    const keepBlocked = current?.status === 'blocked' && event !== 'UserPromptSubmit';
    return {
      ...(current ?? { task_id: ctx.taskId, status: 'starting', started_at: now.toISOString() }),
      task_id: ctx.taskId,
      status: keepBlocked ? 'blocked' : (status ?? current?.status ?? 'in_progress'),
      ...(tokens !== undefined ? { tokens_used: tokens } : {}),
      // The end of a session says nothing new about the work: keep what it last did.
      activity: event === 'SessionEnd' ? (current?.activity ?? activity) : activity,
      updated_at: now.toISOString(),
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

/**
 * Tokens the session has used so far, summed from the usage Claude Code records per model reply in its
 * transcript (JSON lines). Undefined when there is no readable transcript.
 */
export function transcriptTokens(path: unknown): number | undefined {
  if (typeof path !== 'string' || !path.endsWith('.jsonl')) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let total = 0;
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.includes('"usage"')) continue;
    try {
      const entry = JSON.parse(line);
      const message = entry?.message;
      const usage = message?.usage;
      if (!usage) continue;
      // A reply with several content blocks is written as several lines with one message id.
      if (typeof message.id === 'string') {
        if (seen.has(message.id)) continue;
        seen.add(message.id);
      }
      total += (Number(usage.input_tokens) || 0) + (Number(usage.output_tokens) || 0) + (Number(usage.cache_creation_input_tokens) || 0) + (Number(usage.cache_read_input_tokens) || 0);
    } catch {
      // a line being written: skip it
    }
  }
  return total;
}
