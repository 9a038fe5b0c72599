// Tokens a Claude Code session used, read from its transcript (JSON lines, one per message block), and
// what they cost at a price list per million tokens.
import { readFileSync } from 'node:fs';

export interface TokenCounts {
  input: number;
  output: number;
  /** Tokens written to the prompt cache (billed above the input price). */
  cacheWrite: number;
  /** Tokens read from the prompt cache (billed well below the input price). */
  cacheRead: number;
}

/** Per model name (as the transcript records it, e.g. `claude-sonnet-4-5-20250929`). */
export type UsageByModel = Record<string, TokenCounts>;

export interface Price {
  /** US dollars per million tokens. */
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

/** Keyed by a model name prefix; the longest prefix that matches wins, `default` otherwise. */
export type PriceList = Record<string, Price>;

/**
 * List prices of Anthropic's API in US dollars per million tokens (cache writes at the 5-minute rate,
 * 1.25× input; cache reads 0.1× input). Override them with the `baton.prices` setting or BATON_PRICES.
 */
export const DEFAULT_PRICES: PriceList = {
  'claude-opus-4-5': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4': { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
  'claude-sonnet-4': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  'claude-3-7-sonnet': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  'claude-haiku-4-5': { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
  'claude-3-5-haiku': { input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 },
  default: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
};

export function zeroTokens(): TokenCounts {
  return { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 };
}

export function addTokens(a: TokenCounts, b: TokenCounts): TokenCounts {
  return { input: a.input + b.input, output: a.output + b.output, cacheWrite: a.cacheWrite + b.cacheWrite, cacheRead: a.cacheRead + b.cacheRead };
}

export function totalTokens(t: TokenCounts): number {
  return t.input + t.output + t.cacheWrite + t.cacheRead;
}

/** A token count as another program wrote it: anything but a positive finite number counts as none. */
export function tokenCount(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/** The Messages API's `usage` object (as transcripts and print-mode results carry it), as token counts. */
function apiUsageTokens(usage: Record<string, unknown>): TokenCounts {
  return {
    input: tokenCount(usage.input_tokens),
    output: tokenCount(usage.output_tokens),
    cacheWrite: tokenCount(usage.cache_creation_input_tokens),
    cacheRead: tokenCount(usage.cache_read_input_tokens),
  };
}

/**
 * Usage per model summed over a transcript's model replies. A reply with several content blocks is
 * written as several lines with one message id and one usage: counted once. Undefined when there is
 * no readable transcript.
 */
export function transcriptUsage(path: unknown): UsageByModel | undefined {
  if (typeof path !== 'string' || !path.endsWith('.jsonl')) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const out: UsageByModel = {};
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.includes('"usage"')) continue;
    try {
      const message = JSON.parse(line)?.message;
      const usage = message?.usage;
      if (!usage || typeof usage !== 'object') continue;
      if (typeof message.id === 'string') {
        if (seen.has(message.id)) continue;
        seen.add(message.id);
      }
      const model = typeof message.model === 'string' && message.model ? message.model : 'unknown';
      out[model] = addTokens(out[model] ?? zeroTokens(), apiUsageTokens(usage));
    } catch {
      // a line being written: skip it
    }
  }
  return out;
}

/**
 * Usage per model from the result object `claude -p --output-format json` prints last: its `modelUsage`
 * (per model: inputTokens, outputTokens, cacheCreationInputTokens, cacheReadInputTokens), else its
 * session-wide `usage` under `unknown`. Another program's output: anything unreadable counts as nothing.
 * Undefined when it holds no tokens.
 */
export function printResultUsage(result: unknown): UsageByModel | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const r = result as Record<string, unknown>;
  const out: UsageByModel = {};
  if (r.modelUsage && typeof r.modelUsage === 'object' && !Array.isArray(r.modelUsage)) {
    for (const [model, u] of Object.entries(r.modelUsage as Record<string, unknown>)) {
      if (!u || typeof u !== 'object' || !model || model.length > 200 || model === '__proto__') continue;
      const m = u as Record<string, unknown>;
      out[model] = addTokens(out[model] ?? zeroTokens(), {
        input: tokenCount(m.inputTokens),
        output: tokenCount(m.outputTokens),
        cacheWrite: tokenCount(m.cacheCreationInputTokens),
        cacheRead: tokenCount(m.cacheReadInputTokens),
      });
    }
  } else if (r.usage && typeof r.usage === 'object') {
    out.unknown = apiUsageTokens(r.usage as Record<string, unknown>);
  }
  for (const [model, t] of Object.entries(out)) if (!totalTokens(t)) delete out[model];
  return Object.keys(out).length ? out : undefined;
}

export function sumUsage(usage: UsageByModel): TokenCounts {
  return Object.values(usage).reduce(addTokens, zeroTokens());
}

/** The price for a model: the longest matching prefix in the list, else its `default`, else the built-in default. */
export function priceFor(model: string, prices: PriceList): Price {
  let best: string | undefined;
  for (const key of Object.keys(prices)) if (key !== 'default' && model.startsWith(key) && (!best || key.length > best.length)) best = key;
  return prices[best ?? 'default'] ?? DEFAULT_PRICES.default;
}

/** US dollars. */
export function usageCost(usage: UsageByModel, prices: PriceList = DEFAULT_PRICES): number {
  let cost = 0;
  for (const [model, t] of Object.entries(usage)) {
    const p = priceFor(model, prices);
    cost += (t.input * p.input + t.output * p.output + t.cacheWrite * p.cacheWrite + t.cacheRead * p.cacheRead) / 1_000_000;
  }
  return cost;
}

/**
 * A price list from user input (the setting or BATON_PRICES, as JSON): entries merge over the defaults, so
 * one model can be changed alone. Throws a message that says what to fix.
 */
export function parsePrices(value: unknown): PriceList {
  if (value === undefined || value === null || value === '') return DEFAULT_PRICES;
  let raw = value;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new Error('Prices must be JSON, e.g. {"claude-sonnet-4": {"input": 3, "output": 15, "cacheWrite": 3.75, "cacheRead": 0.3}} (US dollars per million tokens).');
    }
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('Prices must be an object of model name prefix to {input, output, cacheWrite, cacheRead} in US dollars per million tokens.');
  const out: PriceList = { ...DEFAULT_PRICES };
  for (const [model, p] of Object.entries(raw as Record<string, unknown>)) {
    const entry = (p ?? {}) as Record<string, unknown>;
    const base = priceFor(model, DEFAULT_PRICES);
    const field = (k: keyof Price): number => {
      const v = entry[k];
      if (v === undefined) return k === 'cacheWrite' && typeof entry.input === 'number' ? entry.input * 1.25 : k === 'cacheRead' && typeof entry.input === 'number' ? entry.input * 0.1 : base[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`The price "${k}" of "${model}" must be a number of US dollars per million tokens, not ${JSON.stringify(v)}.`);
      return v;
    };
    out[model] = { input: field('input'), output: field('output'), cacheWrite: field('cacheWrite'), cacheRead: field('cacheRead') };
  }
  return out;
}
