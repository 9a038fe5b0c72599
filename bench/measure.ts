// Timing helpers for the benchmarks: medians of repeated runs, printed as a table.
import { spawnSync } from 'node:child_process';

export function time(fn: () => unknown, runs: number): number[] {
  fn(); // warm-up: JIT and caches, as a long-running extension host would be
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    out.push(performance.now() - start);
  }
  return out;
}

export function timeProcess(command: string, args: string[], runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    out.push(performance.now() - start);
    if (r.status !== 0 && r.status !== 1) throw new Error(`${command} ${args.join(' ')} exited ${r.status}`);
  }
  return out;
}

export function median(xs: number[] | number): number {
  if (typeof xs === 'number') return xs;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

export function table(rows: Array<[string, number, string]>): void {
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [name, ms, note] of rows) {
    const value = Number.isNaN(ms) ? '     n/a' : `${ms.toFixed(1).padStart(8)} ms`;
    console.log(`${name.padEnd(width)}  ${value}${note ? `   ${note}` : ''}`);
  }
}
