// What the graph shows, ready to draw: laid-out boxes with their text, arrows as SVG paths, the critical
// path, contested files as links, and the plan's problems. Built in the extension host (or the CLI) and
// sent to the webview whole, so the webview only draws; the SVG export draws the same thing.
import type { Plan, PlanDiagnostic } from '../plan/model';
import { indexGraph, type Analysis } from './analysis';
import { reachability } from './conflicts';
import { LayoutCache, NODE_HEIGHT, NODE_WIDTH, layoutGraph, type Engine, type GraphLayout } from './layout';

export interface GraphNodeView {
  id: string;
  /** The title, shortened to fit the box (the full title is in `fullTitle`). */
  title: string;
  fullTitle: string;
  /** `id · estimate`, shortened to fit. */
  detail: string;
  x: number;
  y: number;
  /** 0-based stage; the last column holds tasks without one. */
  column: number;
  stage: number | undefined;
  critical: boolean;
  deps: string[];
  dependents: string[];
}

export interface GraphEdgeView {
  from: string;
  to: string;
  /** SVG path data, from the right side of `from` to the left side of `to`. */
  d: string;
  critical: boolean;
}

export interface ConflictGroupView {
  /** The contested path or pattern, as `baton analyze` groups conflicts. */
  path: string;
  /** Tasks that may run at the same time and touch it, in plan order. */
  tasks: string[];
  /** The file patterns they share. */
  patterns: string[];
  /** The pairs that may collide (run at the same time): the dashed links. */
  pairs: Array<[string, string]>;
}

export interface ConflictLinkView {
  a: string;
  b: string;
  /** Index into GraphView.conflictGroups. */
  group: number;
  d: string;
}

export interface ProblemView {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  line: number;
  column: number;
}

export interface GraphView {
  name: string;
  engine: GraphLayout['engine'];
  width: number;
  height: number;
  nodeWidth: number;
  nodeHeight: number;
  nodes: GraphNodeView[];
  edges: GraphEdgeView[];
  conflictGroups: ConflictGroupView[];
  conflicts: ConflictLinkView[];
  /** Column headings: "Stage 1" … and "No stage" for tasks on a cycle. */
  columns: Array<{ x: number; label: string }>;
  criticalHours: number;
  problems: ProblemView[];
}

const TITLE_CHARS = 27;
const DETAIL_CHARS = 34;

export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/**
 * Conflict groups as `baton analyze` reports them (one per contested path), with the pairs to link: a task
 * that lists the path itself may collide with every other task of the group, the others only with those,
 * and only pairs that no dependency orders can run at the same time.
 */
export function conflictGroups(plan: Plan, analysis: Analysis): ConflictGroupView[] {
  if (analysis.conflicts.length === 0) return [];
  const g = indexGraph(plan);
  const reach = reachability(g);
  const index = new Map(g.ids.map((id, i) => [id, i]));
  return analysis.conflicts.map((group) => {
    const listing = new Set(group.listing);
    const pairs: Array<[string, string]> = [];
    group.tasks.forEach((a, i) => {
      for (const b of group.tasks.slice(i + 1)) {
        if (!listing.has(a) && !listing.has(b)) continue;
        const [u, v] = [index.get(a)!, index.get(b)!];
        if (!reach.reaches(u, v) && !reach.reaches(v, u)) pairs.push([a, b]);
      }
    });
    return { path: group.path, tasks: group.tasks, patterns: group.patterns, pairs };
  });
}

export interface BuildOptions {
  engine?: Engine;
  cache?: LayoutCache;
}

export function buildGraphView(plan: Plan, analysis: Analysis | undefined, diagnostics: PlanDiagnostic[], options: BuildOptions = {}): GraphView {
  const stageOf = analysis?.stageOf ?? new Map<string, number>();
  const input = { ids: plan.tasks.map((t) => t.id), deps: plan.tasks.map((t) => t.deps), stageOf };
  const layout = options.cache ? options.cache.get(input, options.engine) : layoutGraph(input, options.engine);

  const critical = new Set(analysis?.criticalPath.tasks ?? []);
  const criticalEdges = new Set<string>();
  const path = analysis?.criticalPath.tasks ?? [];
  for (let i = 1; i < path.length; i++) criticalEdges.add(`${path[i - 1]}\n${path[i]}`);
  const dependents = new Map<string, string[]>(plan.tasks.map((t) => [t.id, []]));
  for (const t of plan.tasks) for (const d of t.deps) if (d !== t.id) dependents.get(d)?.push(t.id);

  const byId = new Map<string, { x: number; y: number }>();
  const nodes: GraphNodeView[] = plan.tasks.map((t, i) => {
    const at = layout.nodes[i];
    byId.set(t.id, at);
    return {
      id: t.id,
      title: shorten(t.title || t.id, TITLE_CHARS),
      fullTitle: t.title || t.id,
      detail: shorten(t.estimate ? `${t.id} · ${t.estimate}` : t.id, DETAIL_CHARS),
      x: at.x,
      y: at.y,
      column: at.column,
      stage: stageOf.get(t.id),
      critical: critical.has(t.id),
      deps: t.deps.filter((d) => dependents.has(d) && d !== t.id),
      dependents: dependents.get(t.id)!,
    };
  });

  const edges: GraphEdgeView[] = layout.edges.map((e) => {
    const a = byId.get(e.from)!;
    const b = byId.get(e.to)!;
    const d = e.backward
      ? `M${num(a.x + NODE_WIDTH / 2)} ${num(a.y + NODE_HEIGHT)}L${num(b.x + NODE_WIDTH / 2)} ${num(b.y)}`
      : curve([[a.x + NODE_WIDTH, a.y + NODE_HEIGHT / 2], ...e.via, [b.x, b.y + NODE_HEIGHT / 2]]);
    return { from: e.from, to: e.to, d, critical: criticalEdges.has(`${e.from}\n${e.to}`) };
  });

  const groups = analysis ? conflictGroups(plan, analysis) : [];
  const conflicts: ConflictLinkView[] = [];
  groups.forEach((g, group) => {
    for (const [x, y] of g.pairs) {
      const a = byId.get(x);
      const b = byId.get(y);
      if (a && b) conflicts.push({ a: x, b: y, group, d: conflictCurve(a, b) });
    }
  });

  const stageCount = analysis?.stages.length ?? 0;
  const columns = layout.columns.map((x, c) => ({ x, label: c < stageCount ? `Stage ${c + 1}` : 'No stage' }));
  return {
    name: plan.name,
    engine: layout.engine,
    width: layout.width,
    height: layout.height,
    nodeWidth: NODE_WIDTH,
    nodeHeight: NODE_HEIGHT,
    nodes,
    edges,
    conflictGroups: groups,
    conflicts,
    columns,
    criticalHours: analysis?.criticalPath.hours ?? 0,
    problems: diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, line: d.span.start.line, column: d.span.start.column })),
  };
}

const num = (x: number) => String(Math.round(x * 10) / 10);

/** A smooth path through the points, leaving and entering each one horizontally. */
function curve(points: Array<[number, number]>): string {
  let d = `M${num(points[0][0])} ${num(points[0][1])}`;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    const dx = (x1 - x0) / 2;
    d += `C${num(x0 + dx)} ${num(y0)} ${num(x1 - dx)} ${num(y1)} ${num(x1)} ${num(y1)}`;
  }
  return d;
}

/** Contested files: a dashed arc between the two boxes' right sides, bulging into the gap beside them. */
function conflictCurve(a: { x: number; y: number }, b: { x: number; y: number }): string {
  const ax = a.x + NODE_WIDTH;
  const ay = a.y + NODE_HEIGHT / 2;
  const bx = b.x + NODE_WIDTH;
  const by = b.y + NODE_HEIGHT / 2;
  const bulge = 24 + Math.min(40, Math.abs(by - ay) * 0.1);
  const cx = Math.max(ax, bx) + bulge;
  return `M${num(ax)} ${num(ay)}C${num(cx)} ${num(ay)} ${num(cx)} ${num(by)} ${num(bx)} ${num(by)}`;
}
