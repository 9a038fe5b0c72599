// Estimates (in hours) and durations (in seconds) as people write them in plans.

const HOURS_PER_UNIT: Record<string, number> = { m: 1 / 60, min: 1 / 60, h: 1, hr: 1, d: 8, w: 40 };
const SECONDS_PER_UNIT: Record<string, number> = { ms: 0.001, s: 1, m: 60, min: 60, h: 3600 };

/** `2h`, `30m`, `1.5d` (a working day, 8h), `1w` (40h), or a bare number of hours. */
export function parseEstimate(raw: unknown): number | undefined {
  return parseWithUnits(raw, HOURS_PER_UNIT);
}

/** `60s`, `5m`, `1h`, `500ms`, or a bare number of seconds. */
export function parseDuration(raw: unknown): number | undefined {
  return parseWithUnits(raw, SECONDS_PER_UNIT);
}

function parseWithUnits(raw: unknown, units: Record<string, number>): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(raw);
  if (!m) return undefined;
  const unit = m[2].toLowerCase();
  const factor = unit === '' ? 1 : units[unit];
  return factor === undefined ? undefined : Number(m[1]) * factor;
}

/** 1.5 -> "1.5h", 0.25 -> "15m": for messages and the analysis report. */
export function formatHours(hours: number): string {
  if (hours > 0 && hours < 1) return `${Math.round(hours * 60)}m`;
  return `${Math.round(hours * 100) / 100}h`;
}

/** Hours to a thousandth, so sums of estimates print as 7.5, not 7.499999999. */
export function roundHours(x: number): number {
  return Math.round(x * 1000) / 1000;
}
