// Positions for the plan graph, left to right by stage. Shared by the webview panel (through the extension
// host) and `baton graph`, so the picture and the export are the same. Two engines:
// - dagre for small plans: its ordering and coordinates are the best we have, and fast enough there;
// - a layered layout of our own for large ones: ranks are Baton's stages (no ranking pass), a few
//   barycenter sweeps instead of dagre's many, and O(n) coordinate passes (dagre needs ~30 s at 1,000 tasks).
// Both take ranks from the stages, so a box's column always says what stage it is in.
import type * as Dagre from '@dagrejs/dagre' with { 'resolution-mode': 'import' };

// dagre's package is an ES module with a CommonJS build; its types are declared for the ESM side only.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dagre: typeof Dagre = require('@dagrejs/dagre');

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 58;
/** Horizontal room between two stage columns, where the arrows run. */
export const STAGE_GAP = 90;
/** Vertical room between two boxes of one column. */
export const NODE_GAP = 18;
/** Room a long edge takes where it passes through a column. */
const LANE = 3;
const MARGIN = 24;
/** Up to this many tasks dagre lays out; above, the stage layout (bench/graphBench.ts measured both). */
export const DAGRE_MAX_TASKS = 100;

export interface LayoutInput {
  /** Task ids in plan order. */
  ids: string[];
  /** Dependency ids per task, same order as `ids`. */
  deps: string[][];
  /** Stage per task id; tasks missing from it (on or behind a cycle) go to a last, extra column. */
  stageOf: ReadonlyMap<string, number>;
}

export interface LaidOutNode {
  id: string;
  /** Top-left corner; every box is NODE_WIDTH by NODE_HEIGHT. */
  x: number;
  y: number;
  /** Column index: the stage, or one past the last stage for tasks without one. */
  column: number;
}

export interface LaidOutEdge {
  from: string;
  to: string;
  /** Where the edge passes through the columns between its ends (empty for neighbouring stages). */
  via: Array<[number, number]>;
  /** An edge that does not go forward (a cycle among tasks without a stage): drawn straight, not laid out. */
  backward: boolean;
}

export interface GraphLayout {
  engine: 'dagre' | 'stages';
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
  width: number;
  height: number;
  /** Left edge of each column. */
  columns: number[];
}

export type Engine = 'auto' | 'dagre' | 'stages';

/** Lays out the graph. Deterministic: the same input gives the same numbers. */
export function layoutGraph(input: LayoutInput, engine: Engine = 'auto'): GraphLayout {
  const n = input.ids.length;
  const index = new Map(input.ids.map((id, i) => [id, i]));
  const placed = input.ids.map((id) => input.stageOf.get(id));
  const lastStage = placed.reduce<number>((m, s) => (s === undefined ? m : Math.max(m, s)), -1);
  const hasUnplaced = placed.some((s) => s === undefined);
  const column = placed.map((s) => s ?? lastStage + 1);
  const columnCount = lastStage + 1 + (hasUnplaced ? 1 : 0);

  const forward: Array<[number, number]> = [];
  const edges: LaidOutEdge[] = [];
  input.deps.forEach((ds, v) => {
    for (const d of ds) {
      const u = index.get(d);
      if (u === undefined || u === v) continue;
      if (column[u] < column[v]) forward.push([u, v]);
      else edges.push({ from: input.ids[u], to: input.ids[v], via: [], backward: true });
    }
  });

  const useDagre = engine === 'dagre' || (engine === 'auto' && n <= DAGRE_MAX_TASKS);
  const { ys, via } = useDagre ? dagreRows(n, column, forward) : stageRows(n, column, columnCount, forward);

  const columns = Array.from({ length: columnCount }, (_, c) => MARGIN + c * (NODE_WIDTH + STAGE_GAP));
  let minY = Infinity;
  let maxY = -Infinity;
  for (const y of ys) {
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y + NODE_HEIGHT);
  }
  for (const points of via) for (const [, y] of points) (minY = Math.min(minY, y)), (maxY = Math.max(maxY, y));
  if (n === 0) minY = maxY = 0;
  const shift = MARGIN - minY;
  const nodes = input.ids.map((id, v) => ({ id, x: columns[column[v]], y: round(ys[v] + shift), column: column[v] }));
  forward.forEach(([u, v], k) => {
    edges.push({ from: input.ids[u], to: input.ids[v], via: via[k].map(([x, y]) => [round(x), round(y + shift)]), backward: false });
  });
  edges.sort((a, b) => index.get(a.to)! - index.get(b.to)! || index.get(a.from)! - index.get(b.from)!);
  return {
    engine: useDagre ? 'dagre' : 'stages',
    nodes,
    edges,
    width: round(columnCount * (NODE_WIDTH + STAGE_GAP) - STAGE_GAP + 2 * MARGIN),
    height: round(maxY - minY + 2 * MARGIN),
    columns,
  };
}

/** A key that changes only when the layout would: ids, dependencies and stages, not titles or states. */
export function layoutKey(input: LayoutInput): string {
  return input.ids.map((id, i) => `${id}@${input.stageOf.get(id) ?? '-'}<${input.deps[i].join(',')}`).join('\n');
}

/** Remembers the last few layouts by plan shape, so an edit to a title or an estimate costs no layout. */
export class LayoutCache {
  private readonly entries = new Map<string, GraphLayout>();
  constructor(private readonly size = 4) {}

  get(input: LayoutInput, engine: Engine = 'auto'): GraphLayout {
    const key = `${engine}\n${layoutKey(input)}`;
    let hit = this.entries.get(key);
    if (hit) this.entries.delete(key);
    else hit = layoutGraph(input, engine);
    this.entries.set(key, hit);
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return hit;
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

interface Rows {
  /** Top of each box. */
  ys: number[];
  /** Per forward edge, the points between its ends: x at each crossed column's centre. */
  via: Array<Array<[number, number]>>;
}

const columnCentre = (c: number) => MARGIN + c * (NODE_WIDTH + STAGE_GAP) + NODE_WIDTH / 2;

/** dagre with ranks given (ranker "none"): it orders and places; the columns stay the stages. */
function dagreRows(n: number, column: number[], forward: Array<[number, number]>): Rows {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', ranker: 'none', nodesep: NODE_GAP, edgesep: 10, ranksep: STAGE_GAP });
  // dagre doubles ranks internally to make room for edge labels: give it even ranks.
  for (let v = 0; v < n; v++) g.setNode(String(v), { width: NODE_WIDTH, height: NODE_HEIGHT, rank: 2 * column[v] });
  forward.forEach(([u, v]) => g.setEdge(String(u), String(v), {}));
  dagre.layout(g);
  const ys = Array.from({ length: n }, (_, v) => g.node(String(v)).y! - NODE_HEIGHT / 2);
  const via = forward.map(([u, v]) => {
    const points = g.edge(String(u), String(v)).points ?? [];
    // Keep one point per crossed column (dagre also bends between columns); x snaps to the column's centre.
    const out: Array<[number, number]> = [];
    for (let c = column[u] + 1; c < column[v]; c++) {
      const cx = columnCentre(c);
      let best = points[0];
      for (const p of points) if (Math.abs(p.x + MARGIN - cx) < Math.abs(best.x + MARGIN - cx)) best = p;
      out.push([cx, best ? best.y : 0]);
    }
    return out;
  });
  return { ys, via };
}

/**
 * The large-plan layout: each column holds its tasks and a thin slot for every long edge passing through.
 * Order: barycenter sweeps down and up (four, not dagre's twenty-four plus transposes). Placement: each slot
 * pulled to the mean of its neighbours, then pushed apart just enough, alternating directions.
 */
function stageRows(n: number, column: number[], columnCount: number, forward: Array<[number, number]>): Rows {
  // Slots: 0..n-1 are tasks; n.. are the points where long edges cross a column.
  const slotColumn: number[] = column.slice();
  const size: number[] = new Array(n).fill(NODE_HEIGHT);
  const up: number[][] = Array.from({ length: n }, () => []);
  const down: number[][] = Array.from({ length: n }, () => []);
  const chains: number[][] = [];
  const link = (a: number, b: number) => {
    down[a].push(b);
    up[b].push(a);
  };
  for (const [u, v] of forward) {
    const chain: number[] = [];
    let prev = u;
    for (let c = column[u] + 1; c < column[v]; c++) {
      const s = slotColumn.length;
      slotColumn.push(c);
      size.push(0);
      up.push([]);
      down.push([]);
      link(prev, s);
      chain.push(s);
      prev = s;
    }
    link(prev, v);
    chains.push(chain);
  }
  const slots = slotColumn.length;
  const layers: number[][] = Array.from({ length: columnCount }, () => []);
  for (let s = 0; s < slots; s++) layers[slotColumn[s]].push(s); // tasks first, in plan order

  const pos = new Float64Array(slots);
  const renumber = (layer: number[]) => layer.forEach((s, i) => (pos[s] = i));
  layers.forEach(renumber);
  const key = new Float64Array(slots);
  const sweep = (layer: number[], neighbours: number[][]) => {
    for (const s of layer) {
      const ns = neighbours[s];
      if (ns.length === 0) key[s] = pos[s];
      else {
        let sum = 0;
        for (const t of ns) sum += pos[t];
        key[s] = sum / ns.length;
      }
    }
    layer.sort((a, b) => key[a] - key[b] || pos[a] - pos[b]);
    renumber(layer);
  };
  for (let round = 0; round < 2; round++) {
    for (let c = 1; c < columnCount; c++) sweep(layers[c], up);
    for (let c = columnCount - 2; c >= 0; c--) sweep(layers[c], down);
  }
  for (let c = 1; c < columnCount; c++) sweep(layers[c], up);

  // Coordinates: start packed, then relax toward neighbours, keeping order and spacing.
  const y = new Float64Array(slots);
  // From the top of slot s to the top of the slot below it. Lanes pack tightly (hundreds of long edges
  // can cross one column of a big plan), but keep clear of the boxes around them.
  const space = (s: number, next: number) => (s < n ? NODE_HEIGHT + (next < n ? NODE_GAP : NODE_GAP / 2) : next < n ? NODE_GAP / 2 : LANE);
  for (const layer of layers) {
    let at = 0;
    layer.forEach((s, i) => {
      y[s] = at;
      if (i + 1 < layer.length) at += space(s, layer[i + 1]);
    });
    const shift = -at / 2;
    for (const s of layer) y[s] += shift;
  }
  const centre = (s: number) => y[s] + size[s] / 2;
  const want = new Float64Array(slots);
  const place = (layer: number[], neighbours: number[][]) => {
    for (const s of layer) {
      const ns = neighbours[s];
      if (ns.length === 0) want[s] = y[s];
      else {
        let sum = 0;
        for (const t of ns) sum += centre(t);
        want[s] = sum / ns.length - size[s] / 2;
      }
    }
    // Two passes, top-down and bottom-up, each keeping the spacing; their mean keeps the layer balanced.
    const a = new Float64Array(layer.length);
    const b = new Float64Array(layer.length);
    for (let i = 0; i < layer.length; i++) {
      const s = layer[i];
      a[i] = i === 0 ? want[s] : Math.max(want[s], a[i - 1] + space(layer[i - 1], s));
    }
    for (let i = layer.length - 1; i >= 0; i--) {
      const s = layer[i];
      b[i] = i === layer.length - 1 ? want[s] : Math.min(want[s], b[i + 1] - space(s, layer[i + 1]));
    }
    for (let i = 0; i < layer.length; i++) y[layer[i]] = (a[i] + b[i]) / 2;
    // The mean of two spaced sequences is spaced too, but rounding aside, make sure.
    for (let i = 1; i < layer.length; i++) y[layer[i]] = Math.max(y[layer[i]], y[layer[i - 1]] + space(layer[i - 1], layer[i]));
  };
  for (let round = 0; round < 2; round++) {
    for (let c = 1; c < columnCount; c++) place(layers[c], up);
    for (let c = columnCount - 2; c >= 0; c--) place(layers[c], down);
  }

  const ys = Array.from({ length: n }, (_, v) => y[v]);
  // A lane has no height: its y is where the edge passes.
  const via = chains.map((chain) => chain.map((s): [number, number] => [columnCentre(slotColumn[s]), y[s]]));
  return { ys, via };
}
