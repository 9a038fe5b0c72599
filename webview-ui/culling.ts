// Culling: a large plan keeps in the page only the boxes, arrows and links near the view.
import type { GraphView } from '../src/graphProtocol';
import { conflictsG, edgesG, nodesG, parkedFor, stage, viewportG } from './page';
import { camera, graph } from './state';

/**
 * Plans this large keep only what is near the view in the picture (boxes, arrows, links), so the browser
 * paints a few hundred elements a frame, not tens of thousands: panning and zooming stay at 60 frames a
 * second at 3,000 tasks. Smaller plans keep every box in the page (and in the accessibility tree).
 */
export const CULL_FROM = 300;
/** How far beyond the view, in views, the kept area reaches: panning that far needs no culling. */
const CULL_MARGIN = 0.5;
/** Elements outside the view that culling moves in or out of the page per frame, zoomed out. */
const CULL_BUDGET = 60;

/** What culling decides about: each box, arrow and link with its extent in graph units. */
interface Cullable {
  el: SVGElement;
  /** The group it is drawn in when near the view. */
  home: SVGGElement;
  /** Arrows off the critical path are not drawn zoomed out, links neither, nor while the view moves. */
  kind: 'node' | 'edge' | 'critical' | 'conflict';
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  shown: boolean;
}
let cullables: Cullable[] = [];
let cullableOf = new Map<Element, number>();
/** The area (graph units) whose elements are in the page now, and what was drawn when it was chosen; undefined when nothing is culled. */
let kept: { x0: number; y0: number; x1: number; y1: number; far: boolean; moving: boolean } | undefined;
/** Culling left elements to move next frame (its budget ran out), and the frame it asked for. */
let cullUnfinished = false;
let cullFrame = 0;

/** Nothing is culled any more (no plan, or a new one being drawn). */
export function forgetCullables(): void {
  cullables = [];
  cullableOf = new Map();
  kept = undefined;
}

/**
 * Takes over a large plan's elements, just drawn into the parked groups (`paths` are the edges' in the
 * view's order, `conflicts` the links'); the next cull() brings in what is near the view.
 */
export function takeCullables(v: GraphView, paths: Element[], conflicts: Element[]): void {
  const W = v.nodeWidth;
  const H = v.nodeHeight;
  // In drawing order within each group: cull() puts an element back after the last one shown before it.
  v.edges.forEach((e, i) => cullables.push({ el: paths[i] as SVGElement, home: edgesG, kind: e.critical ? 'critical' : 'edge', ...pathExtent(e.d), shown: false }));
  for (const el of conflicts) cullables.push({ el: el as SVGElement, home: conflictsG, kind: 'conflict', ...pathExtent(el.getAttribute('d')!), shown: false });
  for (const n of v.nodes) cullables.push({ el: graph.boxes.get(n.id)!, home: nodesG, kind: 'node', x0: n.x, y0: n.y, x1: n.x + W, y1: n.y + H, shown: false });
  cullableOf = new Map(cullables.map((c, i) => [c.el, i]));
}

/** The stage changed size: the kept area is chosen anew at the next cull(). */
export function forgetKeptArea(): void {
  kept = undefined;
}

/** The extent of a path drawn with absolute coordinates (M, L, C): a curve stays within its control points. */
function pathExtent(d: string): { x0: number; y0: number; x1: number; y1: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  const numbers = d.match(/-?[\d.]+/g) ?? [];
  for (let i = 0; i + 1 < numbers.length; i += 2) xs.push(Number(numbers[i])), ys.push(Number(numbers[i + 1]));
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

/**
 * Keeps in the page only the elements near the view and drawn at this zoom; runs when the view leaves the
 * kept area or when what is drawn changes (the 40% switch, the end of a gesture), so most frames of a pan or
 * a zoom cost nothing here. Elements the CSS hides anyway (arrows off the critical path zoomed out; links
 * zoomed out or while the view moves) are not added: each would cost a style recalculation for nothing.
 * Zoomed out, what enters the view is added at once and the rest (the margin, what left the view) follows a
 * few dozen elements a frame, so no frame of a zoom pays for a thousand blocks at once.
 */
export function cull(moving = false, budget = 0): void {
  if (cullables.length === 0) return;
  const { tx, ty, k, far, stageBox } = camera;
  const w = (stageBox.width || stage.clientWidth || 800) / k;
  const h = (stageBox.height || stage.clientHeight || 600) / k;
  const x0 = -tx / k;
  const y0 = -ty / k;
  const stale =
    !kept || far !== kept.far || (kept.moving && !moving) ||
    x0 < kept.x0 || y0 < kept.y0 || x0 + w > kept.x1 || y0 + h > kept.y1;
  if (!stale && !cullUnfinished) return;
  // In detail, culling is done whole: a box brought in costs the layout of its text, so spreading it over
  // frames made every frame of a pan slower. The first choice after a new plan or a resize is whole too.
  if (!far || !kept) budget = Infinity;
  if (stale) {
    kept = { x0: x0 - w * CULL_MARGIN, y0: y0 - h * CULL_MARGIN, x1: x0 + w * (1 + CULL_MARGIN), y1: y0 + h * (1 + CULL_MARGIN), far, moving };
  }
  cullUnfinished = false;
  const area = kept!;
  const focusableBox = graph.focusableBox;
  let last: Element | undefined;
  for (const c of cullables) {
    let show = c.x1 >= area.x0 && c.x0 <= area.x1 && c.y1 >= area.y0 && c.y0 <= area.y1;
    if (show && c.kind === 'edge') show = !far;
    // While the view moves, links already in the page stay (hidden by CSS); none are added.
    else if (show && c.kind === 'conflict') show = !far && (c.shown || !moving);
    show ||= c.el === focusableBox;
    if (last?.parentNode !== c.home) last = undefined;
    if (show !== c.shown) {
      const now = show && (c.el === focusableBox || (c.x1 >= x0 && c.x0 <= x0 + w && c.y1 >= y0 && c.y0 <= y0 + h));
      if (now || budget-- > 0) {
        c.shown = show;
        if (show) c.home.insertBefore(c.el, last ? last.nextSibling : c.home.firstChild);
        else parkedFor.get(c.home)!.appendChild(c.el);
      } else cullUnfinished = true;
    }
    if (c.shown) last = c.el;
  }
  // The rest next frame, whether or not the view moves again.
  if (cullUnfinished && !cullFrame) {
    cullFrame = requestAnimationFrame(() => {
      cullFrame = 0;
      cull(viewportG.classList.contains('moving'), CULL_BUDGET);
    });
  }
}

/** Puts one culled element back in its place (a box reached by the keyboard or the Tasks tree). */
export function unpark(el: Element): void {
  const i = cullableOf.get(el);
  if (i === undefined || cullables[i].shown) return;
  const c = cullables[i];
  let j = i - 1;
  while (j >= 0 && cullables[j].home === c.home && !cullables[j].shown) j--;
  const before = j >= 0 && cullables[j].home === c.home ? cullables[j].el : undefined;
  c.home.insertBefore(c.el, before ? before.nextSibling : c.home.firstChild);
  c.shown = true;
}
