// Can two `files` globs match a common path? picomatch answers glob-vs-path; this answers glob-vs-glob
// by walking both patterns a path segment at a time (`**` spans any number of segments) and asking
// picomatch about single segments. Where a question cannot be settled exactly (two wildcard segments),
// it answers "maybe overlap" from their fixed prefixes and suffixes: a false alarm costs a look, a
// missed conflict costs a merge conflict.
import braces from 'braces';
import picomatch from 'picomatch';

export interface CompiledGlob {
  source: string;
  /** Brace-expanded alternatives, each split into segments. */
  alternatives: string[][];
  /** The fixed directory in front of the first wildcard (`src/a` for `src/a/**\/*.ts`), for indexing. */
  base: string;
  /** False for a plain path, which can only meet an equal path or a glob. */
  isGlob: boolean;
}

const GLOB_CHARS = /[*?[\]{}()!+@]/;

export function compileGlob(pattern: string): CompiledGlob {
  const clean = normalise(pattern);
  if (!GLOB_CHARS.test(clean)) {
    // A plain path (most of a plan's `files`): no glob library needed to know its folder.
    const segments = clean.split('/');
    return { source: pattern, alternatives: [segments], base: segments.slice(0, -1).join('/'), isGlob: false };
  }
  const expanded = clean.includes('{') ? braces(clean, { expand: true }) : [clean];
  const scan = picomatch.scan(clean);
  return {
    source: pattern,
    alternatives: expanded.map((p) => normalise(p).split('/')),
    base: scan.base,
    isGlob: scan.isGlob || expanded.length > 1,
  };
}

export function globsOverlap(a: CompiledGlob, b: CompiledGlob): boolean {
  for (const x of a.alternatives) for (const y of b.alternatives) if (segmentsOverlap(x, 0, y, 0, new Set())) return true;
  return false;
}

function segmentsOverlap(a: string[], i: number, b: string[], j: number, seen: Set<number>): boolean {
  const key = i * 4096 + j;
  if (seen.has(key)) return false;
  seen.add(key);
  if (i === a.length && j === b.length) return true;
  if (i < a.length && a[i] === '**') {
    // `**` matches nothing (skip it) or swallows one segment of the other side.
    if (segmentsOverlap(a, i + 1, b, j, seen)) return true;
    return j < b.length && segmentsOverlap(a, i, b, j + 1, seen);
  }
  if (j < b.length && b[j] === '**') {
    if (segmentsOverlap(a, i, b, j + 1, seen)) return true;
    return i < a.length && segmentsOverlap(a, i + 1, b, j, seen);
  }
  if (i === a.length || j === b.length) return false;
  return segmentOverlap(a[i], b[j]) && segmentsOverlap(a, i + 1, b, j + 1, seen);
}

const segmentMatchers = new Map<string, (s: string) => boolean>();

function segmentOverlap(x: string, y: string): boolean {
  const xGlob = picomatch.scan(x).isGlob;
  const yGlob = picomatch.scan(y).isGlob;
  if (!xGlob && !yGlob) return x === y;
  if (!xGlob) return matcher(y)(x);
  if (!yGlob) return matcher(x)(y);
  // Both have wildcards: they can only meet if their fixed ends agree.
  const [px, sx] = fixedEnds(x);
  const [py, sy] = fixedEnds(y);
  return (px.startsWith(py) || py.startsWith(px)) && (sx.endsWith(sy) || sy.endsWith(sx));
}

function matcher(glob: string): (s: string) => boolean {
  let m = segmentMatchers.get(glob);
  if (!m) {
    m = picomatch(glob, { dot: true });
    segmentMatchers.set(glob, m);
  }
  return m;
}

/** The literal text before the first and after the last wildcard of one segment. */
function fixedEnds(segment: string): [string, string] {
  const first = segment.search(/[*?[\]()!+@]/);
  let last = -1;
  for (let k = segment.length - 1; k >= 0; k--) {
    if ('*?[]()!+@'.includes(segment[k])) {
      last = k;
      break;
    }
  }
  return [segment.slice(0, first), segment.slice(last + 1)];
}

function normalise(pattern: string): string {
  return pattern
    .trim()
    .replace(/\\/g, '/')
    .replace(/^\.\//, '')
    .replace(/\/+/g, '/')
    .replace(/\/$/, '/**');
}
