// Metrics of a run, per task and per plan, from what is on disk: each task's events.jsonl (hooks,
// launches, exits, gates, changes requested, approvals), result.json and the workers' transcripts.
//
// Active time: from the worker taking up work (UserPromptSubmit, a tool use) to the end of its turn
// (Stop) or its process. Waiting-for-you time: from a question to the person (a Notification other
// than the idle prompt, `baton report blocked`) to the next sign of work. Each launch is followed on
// its own (events carry their launch), so a late hook of an older session never stretches a newer one.
//
// Tokens and cost: the workers' sessions and the AI pre-reviews of the task (recorded with their
// `pre-review` events), both money the task cost; the pre-reviews' share is also given on its own.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../plan/model';
import { readEvents, type RunEvent } from './events';
import type { BatonLayout } from './layout';
import { addTokens, DEFAULT_PRICES, sumUsage, tokenCount, totalTokens, transcriptUsage, usageCost, zeroTokens, type PriceList, type TokenCounts, type UsageByModel } from './usage';

export interface Interval {
  start: string;
  end: string;
  kind: 'active' | 'waiting';
}

export interface TaskMetrics {
  task: string;
  title: string;
  /** Whether a worker ever started. */
  started: boolean;
  approved: boolean;
  startedAt?: string;
  /** Approval, or the last thing recorded (the clock's now while a worker is live). */
  endedAt?: string;
  wallSeconds: number;
  activeSeconds: number;
  waitingSeconds: number;
  launches: number;
  /** The workers' and the AI pre-reviews' tokens. */
  tokens: TokenCounts & { total: number };
  /** US dollars at the price list given, pre-reviews included. */
  cost: number;
  /** Of those, the AI pre-reviews' tokens (in total) and cost. */
  preReviewTokens: number;
  preReviewCost: number;
  models: string[];
  gateRuns: number;
  gateFailures: number;
  changesRequested: number;
  estimateHours?: number;
  /** Wall time in hours, what the estimate is compared with. */
  actualHours: number;
  /** The worker's launches (start to exit) and its active / waiting periods, for the timeline. */
  runs: { start: string; end: string }[];
  periods: Interval[];
}

export interface PlanMetrics {
  plan: string;
  generatedAt: string;
  tasks: TaskMetrics[];
  totals: {
    tasks: number;
    approved: number;
    startedAt?: string;
    endedAt?: string;
    wallSeconds: number;
    activeSeconds: number;
    waitingSeconds: number;
    tokens: TokenCounts & { total: number };
    cost: number;
    preReviewTokens: number;
    preReviewCost: number;
    gateRuns: number;
    changesRequested: number;
    estimateHours: number;
    actualHours: number;
  };
}

export interface MetricsOptions {
  prices?: PriceList;
  now?: Date;
}

const WORK = new Set(['hook:UserPromptSubmit', 'hook:PreToolUse', 'hook:PostToolUse']);
const END_OF_TURN = new Set(['hook:Stop', 'hook:SessionEnd', 'exit', 'stopped', 'report:done']);
const END_OF_LAUNCH = new Set(['exit', 'stopped']);

function isQuestion(e: RunEvent): boolean {
  if (e.type === 'report:blocked') return true;
  if (e.type !== 'hook:Notification') return false;
  // The idle prompt only says the turn ended a while ago: nobody was asked anything.
  if (typeof e.notification === 'string') return e.notification !== 'idle_prompt';
  return e.activity !== 'Finished its turn';
}

function ms(at: unknown): number | undefined {
  if (typeof at !== 'string') return undefined;
  const t = Date.parse(at);
  return Number.isNaN(t) ? undefined : t;
}

export function taskMetrics(layout: BatonLayout, plan: Plan, taskId: string, options: MetricsOptions = {}): TaskMetrics {
  return metricsFromEvents(readEvents(layout.events(taskId)), plan, taskId, { ...options, resultFile: join(layout.runDir(taskId), 'result.json') });
}

/** The same from events already read (an archive, a test). */
export function metricsFromEvents(events: RunEvent[], plan: Plan, taskId: string, options: MetricsOptions & { resultFile?: string } = {}): TaskMetrics {
  const now = (options.now ?? new Date()).getTime();
  const task = plan.tasks.find((t) => t.id === taskId);
  const sorted = events.map((e, i) => ({ e, t: ms(e.at), i })).filter((x): x is { e: RunEvent; t: number; i: number } => x.t !== undefined);
  sorted.sort((a, b) => a.t - b.t || a.i - b.i);

  // Per launch: the periods of work and of waiting, and when the launch ran.
  interface LaunchState {
    open?: { kind: 'active' | 'waiting'; start: number };
    first: number;
    last: number;
    ended: boolean;
    /** Its supervisor started (a `launch` event), so an untagged `launch` after it is another launch. */
    launched: boolean;
  }
  const launches = new Map<string, LaunchState>();
  const periods: { kind: 'active' | 'waiting'; start: number; end: number }[] = [];
  const sessionUsage = new Map<string, { usage?: UsageByModel; transcript?: string }>();
  let preReviewUsage: UsageByModel = {};
  let gateRuns = 0;
  let gateFailures = 0;
  let changesRequested = 0;
  let approvedAt: number | undefined;
  let startedAt: number | undefined;
  let lastLaunchKey: string | undefined;
  // Which launch an event belongs to: its tag, else (files from before launches were tagged, a worker
  // started by hand) the latest launch, a `prepare` or a second `launch` beginning a new one.
  const launchOf = (e: RunEvent, t: number): LaunchState => {
    const begins = e.type === 'prepare' || e.type === 'launch';
    let k = typeof e.launch === 'string' ? e.launch : undefined;
    if (k === undefined) {
      const current = lastLaunchKey !== undefined ? launches.get(lastLaunchKey) : undefined;
      const joins = current && !current.ended && !(e.type === 'prepare') && !(e.type === 'launch' && current.launched);
      k = begins && !joins ? `#${t}` : (lastLaunchKey ?? `#${t}`);
    }
    let s = launches.get(k);
    if (!s) {
      s = { first: t, last: t, ended: false, launched: false };
      launches.set(k, s);
    }
    if (begins) lastLaunchKey = k;
    if (e.type === 'launch') s.launched = true;
    return s;
  };
  const close = (s: LaunchState, at: number) => {
    if (s.open && at > s.open.start) periods.push({ kind: s.open.kind, start: s.open.start, end: at });
    s.open = undefined;
  };
  for (const { e, t } of sorted) {
    if (e.type === 'prepare' || e.type === 'launch' || e.type.startsWith('hook:')) startedAt ??= t;
    const isLaunchEvent = e.type === 'launch' || e.type === 'prepare' || e.type.startsWith('hook:') || e.type.startsWith('report:') || END_OF_LAUNCH.has(e.type);
    if (isLaunchEvent) {
      const s = launchOf(e, t);
      s.last = Math.max(s.last, t);
      if (WORK.has(e.type)) {
        if (s.open?.kind !== 'active') {
          close(s, t);
          s.open = { kind: 'active', start: t };
        }
      } else if (isQuestion(e)) {
        if (s.open?.kind !== 'waiting') {
          close(s, t);
          s.open = { kind: 'waiting', start: t };
        }
      } else if (END_OF_TURN.has(e.type)) {
        close(s, t);
      }
      if (END_OF_LAUNCH.has(e.type)) s.ended = true;
    }
    if (e.type === 'reply') {
      // The person answered a blocked worker: its wait ends (the prompt it types starts the work).
      for (const s of launches.values()) if (s.open?.kind === 'waiting') close(s, t);
    }
    if ((e.type === 'hook:Stop' || e.type === 'hook:SessionEnd') && e.usage && typeof e.usage === 'object') {
      // Transcripts are cumulative per session: the latest record of a session is its total.
      const session = typeof e.session === 'string' ? e.session : typeof e.transcript === 'string' ? e.transcript : `#${t}`;
      sessionUsage.set(session, { usage: e.usage as UsageByModel, transcript: typeof e.transcript === 'string' ? e.transcript : undefined });
    }
    if (e.type === 'pre-review' && e.usage && typeof e.usage === 'object' && !Array.isArray(e.usage)) {
      // Each pre-review is a session of its own: they add up.
      preReviewUsage = addUsage(preReviewUsage, e.usage as UsageByModel);
    }
    if (e.type === 'gates') {
      gateRuns++;
      if (e.passed === false) gateFailures++;
    }
    if (e.type === 'integration_failed') {
      gateRuns++;
      gateFailures++;
    }
    if (e.type === 'changes-requested' || e.type === 'changes_requested' || e.type === 'request-changes') changesRequested++;
    // The mark an archive leaves (archive.ts) keeps the task approved; the run it measured is in the archive.
    if (e.type === 'approved') approvedAt = t;
    // Discarded or started again: the approval of an earlier attempt no longer holds.
    if ((e.type === 'discarded' || e.type === 'launch') && approvedAt !== undefined && approvedAt < t) approvedAt = undefined;
  }
  // Periods still open: a live launch runs until now; an ended one (or one that fell silent) until its last sign.
  const lastKey = lastLaunchKey;
  for (const [k, s] of launches) {
    const live = k === lastKey && !s.ended && approvedAt === undefined;
    close(s, live ? Math.max(now, s.last) : s.last);
  }

  // Fresher than what the last Stop recorded: the transcript as it is now, while it can be read.
  let usage: UsageByModel = {};
  for (const { usage: recorded, transcript } of sessionUsage.values()) {
    const current = transcript && existsSync(transcript) ? transcriptUsage(transcript) : undefined;
    usage = addUsage(usage, current ?? recorded ?? {});
  }
  usage = addUsage(usage, preReviewUsage);
  const tokens = sumUsage(usage);
  const prices = options.prices ?? DEFAULT_PRICES;

  if (gateRuns === 0 && options.resultFile) {
    // Gates recorded only in result.json (by a worker or an older Baton): one run.
    try {
      const result = JSON.parse(readFileSync(options.resultFile, 'utf8'));
      if (Array.isArray(result?.gates) && result.gates.length) {
        gateRuns = 1;
        if (result.gates.some((g: { exit_code?: unknown }) => g?.exit_code !== 0)) gateFailures = 1;
      }
    } catch {
      // no result yet
    }
  }

  const lastEvent = sorted.at(-1)?.t;
  const anyLive = [...launches].some(([k, s]) => k === lastKey && !s.ended) && approvedAt === undefined;
  const endedAt = approvedAt ?? (anyLive ? Math.max(now, lastEvent ?? now) : lastEvent);
  const wallSeconds = startedAt !== undefined && endedAt !== undefined ? Math.max(0, (endedAt - startedAt) / 1000) : 0;
  const sumOf = (kind: 'active' | 'waiting') => periods.filter((p) => p.kind === kind).reduce((n, p) => n + (p.end - p.start) / 1000, 0);
  const iso = (t: number) => new Date(t).toISOString();
  return {
    task: taskId,
    title: task?.title ?? taskId,
    started: startedAt !== undefined,
    approved: approvedAt !== undefined,
    ...(startedAt !== undefined ? { startedAt: iso(startedAt) } : {}),
    ...(endedAt !== undefined && startedAt !== undefined ? { endedAt: iso(endedAt) } : {}),
    wallSeconds,
    activeSeconds: sumOf('active'),
    waitingSeconds: sumOf('waiting'),
    launches: launches.size,
    tokens: { ...tokens, total: totalTokens(tokens) },
    cost: usageCost(usage, prices),
    preReviewTokens: totalTokens(sumUsage(preReviewUsage)),
    preReviewCost: usageCost(preReviewUsage, prices),
    models: Object.keys(usage).sort(),
    gateRuns,
    gateFailures,
    changesRequested,
    ...(task?.estimate ? { estimateHours: task.hours } : {}),
    actualHours: wallSeconds / 3600,
    runs: [...launches.entries()].map(([k, s]) => ({ start: iso(s.first), end: iso(k === lastKey && !s.ended && approvedAt === undefined ? Math.max(now, s.last) : s.last) })),
    periods: periods.sort((a, b) => a.start - b.start).map((p) => ({ kind: p.kind, start: iso(p.start), end: iso(p.end) })),
  };
}

/** `a` with `b`'s tokens added, model by model (`b` as recorded in an event: read with care). */
function addUsage(a: UsageByModel, b: UsageByModel): UsageByModel {
  let out = a;
  for (const [model, t] of Object.entries(b)) {
    const counts = normalise(t);
    if (totalTokens(counts)) out = { ...out, [model]: addTokens(out[model] ?? zeroTokens(), counts) };
  }
  return out;
}

function normalise(t: Partial<TokenCounts> | undefined): TokenCounts {
  return { input: tokenCount(t?.input), output: tokenCount(t?.output), cacheWrite: tokenCount(t?.cacheWrite), cacheRead: tokenCount(t?.cacheRead) };
}

export function planMetrics(layout: BatonLayout, plan: Plan, options: MetricsOptions = {}): PlanMetrics {
  return summarise(
    plan,
    plan.tasks.map((t) => taskMetrics(layout, plan, t.id, options)),
    options.now ?? new Date(),
  );
}

export function summarise(plan: Plan, tasks: TaskMetrics[], now: Date): PlanMetrics {
  const started = tasks.filter((t) => t.startedAt).map((t) => Date.parse(t.startedAt!));
  const ended = tasks.filter((t) => t.endedAt).map((t) => Date.parse(t.endedAt!));
  const startedAt = started.length ? Math.min(...started) : undefined;
  const endedAt = ended.length ? Math.max(...ended) : undefined;
  const sum = (f: (t: TaskMetrics) => number) => tasks.reduce((n, t) => n + f(t), 0);
  const tokens = tasks.map((t) => t.tokens as TokenCounts).reduce(addTokens, zeroTokens());
  const wallSeconds = startedAt !== undefined && endedAt !== undefined ? Math.max(0, (endedAt - startedAt) / 1000) : 0;
  return {
    plan: plan.name,
    generatedAt: now.toISOString(),
    tasks,
    totals: {
      tasks: tasks.length,
      approved: tasks.filter((t) => t.approved).length,
      ...(startedAt !== undefined ? { startedAt: new Date(startedAt).toISOString() } : {}),
      ...(endedAt !== undefined ? { endedAt: new Date(endedAt).toISOString() } : {}),
      wallSeconds,
      activeSeconds: sum((t) => t.activeSeconds),
      waitingSeconds: sum((t) => t.waitingSeconds),
      tokens: { ...tokens, total: totalTokens(tokens) },
      cost: sum((t) => t.cost),
      preReviewTokens: sum((t) => t.preReviewTokens),
      preReviewCost: sum((t) => t.preReviewCost),
      gateRuns: sum((t) => t.gateRuns),
      changesRequested: sum((t) => t.changesRequested),
      estimateHours: sum((t) => t.estimateHours ?? 0),
      // The sum of the tasks' own times: work done, not how long the plan took (that is wallSeconds).
      actualHours: sum((t) => t.actualHours),
    },
  };
}

/** "2h 05m", "4m 10s", "12s". */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** "$0.42", "$12.30", "<$0.01". */
export function formatCost(usd: number): string {
  if (usd > 0 && usd < 0.01) return '<$0.01';
  return `$${usd.toFixed(2)}`;
}

/** "1.2M", "35.4k", "812". */
export function formatTokens(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 1_000) return `${(n / 1_000).toFixed(1)}k`;
  return String(n);
}
