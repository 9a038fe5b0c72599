// The Graph panel's page. It draws what the host sends (positions, states) and reports what the person
// does; it computes no layout. Live updates touch only the changed boxes' classes and text, so a state
// change at a thousand tasks costs a few milliseconds and never moves a box or the viewport.
import type { GraphNodeView, GraphView } from '../src/core/graph/graphView';
import { NEEDS_YOU_STATES, WORKING_STATES, type TaskState } from '../src/core/run/states';
import { GRAPH_ACTIONS, type FromWebview, type GraphPanelState, type TaskLive, type ToWebview } from '../src/graphProtocol';
import './graph.css';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): GraphPanelState | undefined;
  setState(state: GraphPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const MIN_SCALE = 0.05;
const MAX_SCALE = 2.5;
/**
 * Below this zoom the picture is simplified: no text (unreadable anyway), no arrows off the critical path,
 * no contested-file links (thousands of dashed curves are what made a zoomed-out plan slow to move), and
 * each box filled with its state's colour.
 */
const TEXT_SCALE = 0.4;
const MINIMAP_FROM = 30;
/**
 * Plans this large keep only what is near the view in the picture (boxes, arrows, links), so the browser
 * paints a few hundred elements a frame, not tens of thousands: panning and zooming stay at 60 frames a
 * second at 3,000 tasks. Smaller plans keep every box in the page (and in the accessibility tree).
 */
const CULL_FROM = 300;
/** How far beyond the view, in views, the kept area reaches: panning that far needs no culling. */
const CULL_MARGIN = 0.5;
/** Elements outside the view that culling moves in or out of the page per frame, zoomed out. */
const CULL_BUDGET = 60;

const FILTERS: Record<string, { label: string; has: (s: TaskState) => boolean }> = {
  all: { label: 'All states', has: () => true },
  needsYou: { label: 'Needs you', has: (s) => NEEDS_YOU_STATES.has(s) },
  working: { label: 'Working', has: (s) => WORKING_STATES.has(s) },
  ready: { label: 'Ready', has: (s) => s === 'ready' },
  blocked: { label: 'Blocked', has: (s) => s === 'blocked' },
  approved: { label: 'Approved', has: (s) => s === 'approved' },
};

const saved: GraphPanelState = vscode.getState() ?? {};
let view: GraphView | undefined;
let live: Record<string, TaskLive> = {};
let trusted = true;
let nodesById = new Map<string, GraphNodeView>();
let boxes = new Map<string, SVGGElement>();
let edgesByTask = new Map<string, SVGPathElement[]>();
let selected: string | undefined = saved.selected;
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
/** The box that keeps tabindex 0 (roving tabindex): culling always leaves it in the page, so Tab reaches it. */
let focusableBox: Element | undefined;
/** Culling left elements to move next frame (its budget ran out), and the frame it asked for. */
let cullUnfinished = false;
let cullFrame = 0;
let filter = saved.filter && FILTERS[saved.filter] ? saved.filter : 'all';
let search = saved.search ?? '';
/** screen = graph * k + (tx, ty) */
let tx = 0;
let ty = 0;
let k = 1;
let gestureEnd: number | undefined;
let shownScale = 1;
/** Whether the picture is drawn zoomed out (blocks, no text): below TEXT_SCALE, or still zooming in past it. */
let far = false;
/** A wheel quiet this long ends its gesture. */
const GESTURE_END_MS = 150;

// ---- the page ----
const app = document.getElementById('app')!;
app.innerHTML = `
<div class="toolbar" role="toolbar" aria-label="Graph">
  <input id="search" type="search" placeholder="Search id or title" aria-label="Search tasks by id or title">
  <select id="filter" aria-label="Show tasks in state"></select>
  <button id="fit" title="Fit the whole plan (F)" aria-label="Fit">Fit</button>
  <button id="zoomOut" title="Zoom out (-)" aria-label="Zoom out">−</button>
  <button id="zoomIn" title="Zoom in (+)" aria-label="Zoom in">+</button>
  <span id="summary" class="summary" role="status"></span>
</div>
<div id="banner" class="banner" role="note" hidden></div>
<ul id="problems" class="problems" aria-label="Problems in the plan" hidden></ul>
<div id="stage" class="stage">
  <svg id="graph" role="application" aria-label="Plan graph. Arrow keys move along dependencies, Enter opens a task.">
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path class="arrowhead" d="M0 0L10 5L0 10z"/></marker>
      <marker id="arrow-critical" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path class="arrowhead critical" d="M0 0L10 5L0 10z"/></marker>
    </defs>
    <g id="viewport"><g id="columns"></g><g id="edges"></g><g id="conflicts"></g><g id="nodes" role="list"></g></g>
    <g display="none"><g id="parkedEdges"></g><g id="parkedConflicts"></g><g id="parkedNodes"></g></g>
  </svg>
  <canvas id="minimap" class="minimap" width="200" height="130" aria-hidden="true" hidden></canvas>
  <div id="empty" class="empty" hidden></div>
</div>
<div id="menu" class="menu" role="menu" hidden></div>`;
const $ = <T extends Element>(id: string) => document.getElementById(id) as unknown as T;
const stage = $<HTMLDivElement>('stage');
const svg = $<SVGSVGElement>('graph');
const viewportG = $<SVGGElement>('viewport');
const nodesG = $<SVGGElement>('nodes');
const edgesG = $<SVGGElement>('edges');
const conflictsG = $<SVGGElement>('conflicts');
const columnsG = $<SVGGElement>('columns');
/**
 * Where culled elements wait, out of the drawing and out of the way of style changes: hidden in place
 * (display none) they were still restyled whenever a class on the picture changed (60-100 ms at the 40%
 * switch at 3,000 tasks); here they are not. One group per kind: a state change restyles a parked box by
 * walking its group's children, which should not include thousands of arrows and links.
 */
const parkedFor = new Map<Element, SVGGElement>([
  [nodesG, $<SVGGElement>('parkedNodes')],
  [edgesG, $<SVGGElement>('parkedEdges')],
  [conflictsG, $<SVGGElement>('parkedConflicts')],
]);
const minimap = $<HTMLCanvasElement>('minimap');
const menu = $<HTMLDivElement>('menu');
const searchBox = $<HTMLInputElement>('search');
const filterBox = $<HTMLSelectElement>('filter');
const summary = $<HTMLSpanElement>('summary');
const problems = $<HTMLUListElement>('problems');
const banner = $<HTMLDivElement>('banner');
const empty = $<HTMLDivElement>('empty');
for (const [value, f] of Object.entries(FILTERS)) filterBox.add(new Option(f.label, value));
filterBox.value = filter;
searchBox.value = search;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// ---- messages from the host ----
window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  switch (message.type) {
    case 'graph':
      trusted = message.trusted;
      // Says what the picture is when it is not the plan itself (a team's proposal, not approved yet).
      banner.textContent = message.banner ?? '';
      banner.hidden = !message.banner;
      showGraph(message.view, message.live);
      break;
    case 'live':
      applyLive(message.live);
      break;
    case 'select':
      if (nodesById.has(message.id)) select(message.id, { reveal: true, tell: false });
      break;
    case 'empty':
      showEmpty(message.message);
      break;
  }
});

function showEmpty(text: string): void {
  view = undefined;
  nodesG.innerHTML = edgesG.innerHTML = conflictsG.innerHTML = columnsG.innerHTML = '';
  for (const g of parkedFor.values()) g.textContent = '';
  cullables = [];
  cullableOf = new Map();
  boxes = new Map();
  empty.textContent = text;
  empty.hidden = false;
  banner.hidden = true;
  minimap.hidden = true;
  summary.textContent = '';
  app.setAttribute('aria-busy', 'false');
}

function showGraph(next: GraphView, nextLive: Record<string, TaskLive>): void {
  // Keep the picture still: the selected box (or the one nearest the centre) stays where it is on screen.
  const anchor = view ? anchorTask() : undefined;
  const before = anchor ? nodesById.get(anchor) : undefined;
  const first = !view;
  view = next;
  live = nextLive;
  nodesById = new Map(next.nodes.map((n) => [n.id, n]));
  empty.hidden = true;
  render();
  const after = anchor ? nodesById.get(anchor) : undefined;
  if (before && after) {
    tx += (before.x - after.x) * k;
    ty += (before.y - after.y) * k;
  } else if (first && saved.viewport) {
    ({ x: tx, y: ty, scale: k } = saved.viewport);
  } else if (first || !before || !after) fit(); // the task it kept still has gone: show the whole plan
  applyTransform();
  app.setAttribute('aria-busy', 'false');
}

function render(): void {
  const v = view!;
  const W = v.nodeWidth;
  const H = v.nodeHeight;
  columnsG.innerHTML = v.columns
    .map((c) => `<text class="column" x="${c.x + W / 2}" y="12" text-anchor="middle">${escapeHtml(c.label)}</text>`)
    .join('');
  // A large plan is drawn straight into the parked groups: cull() then brings in only what is near the
  // view, instead of the page taking in every element and handing most of them back before the first paint.
  const culled = v.nodes.length >= CULL_FROM;
  for (const g of parkedFor.values()) g.textContent = '';
  const into = (home: SVGGElement) => {
    home.textContent = '';
    return culled ? parkedFor.get(home)! : home;
  };
  const edgesIn = into(edgesG);
  const conflictsIn = into(conflictsG);
  const nodesIn = into(nodesG);
  edgesIn.innerHTML = v.edges
    .map((e, i) => `<path class="edge${e.critical ? ' critical' : ''}" data-i="${i}" d="${e.d}" marker-end="url(#arrow${e.critical ? '-critical' : ''})"/>`)
    .join('');
  conflictsIn.innerHTML = v.conflicts
    .map((c) => `<path class="conflict g${c.group % 5}" d="${c.d}"><title>${escapeHtml(`${c.a} and ${c.b} may touch the same files: ${v.conflictGroups[c.group].patterns.join(', ')}`)}</title></path>`)
    .join('');
  nodesIn.innerHTML = v.nodes
    .map(
      (n) => `<g class="node${n.critical ? ' critical' : ''}" data-id="${escapeHtml(n.id)}" transform="translate(${n.x} ${n.y})" role="listitem" tabindex="-1">` +
        `<title>${escapeHtml(n.fullTitle)}</title>` +
        `<rect class="box" width="${W}" height="${H}" rx="6"/><rect class="bar" width="5" height="${H}" rx="2"/>` +
        `<text class="title" x="14" y="20">${escapeHtml(n.title)}</text>` +
        `<text class="detail" x="14" y="37">${escapeHtml(n.detail)}</text>` +
        `<text class="state" x="${W - 10}" y="37" text-anchor="end"></text>` +
        `<text class="activity" x="14" y="51"></text></g>`,
    )
    .join('');
  boxes = new Map();
  for (const g of nodesIn.children) boxes.set((g as SVGGElement).dataset.id!, g as SVGGElement);
  edgesByTask = new Map();
  const paths = [...edgesIn.children];
  v.edges.forEach((e, i) => {
    for (const id of [e.from, e.to]) {
      let list = edgesByTask.get(id);
      if (!list) edgesByTask.set(id, (list = []));
      list.push(paths[i] as SVGPathElement);
    }
  });
  for (const n of v.nodes) paintBox(n.id);
  cullables = [];
  cullableOf = new Map();
  kept = undefined;
  if (culled) {
    // In drawing order within each group: cull() puts an element back after the last one shown before it.
    v.edges.forEach((e, i) => cullables.push({ el: paths[i] as SVGElement, home: edgesG, kind: e.critical ? 'critical' : 'edge', ...pathExtent(e.d), shown: false }));
    for (const el of [...conflictsIn.children]) cullables.push({ el: el as SVGElement, home: conflictsG, kind: 'conflict', ...pathExtent(el.getAttribute('d')!), shown: false });
    for (const n of v.nodes) cullables.push({ el: boxes.get(n.id)!, home: nodesG, kind: 'node', x0: n.x, y0: n.y, x1: n.x + W, y1: n.y + H, shown: false });
    cullableOf = new Map(cullables.map((c, i) => [c.el, i]));
  }
  if (selected && !boxes.has(selected)) selected = undefined;
  if (selected) markSelected(selected, true);
  const focusable = boxes.get(selected ?? v.nodes[0]?.id ?? '');
  focusable?.setAttribute('tabindex', '0');
  focusableBox = focusable ?? undefined;
  renderProblems();
  applySearchAndFilter();
  summary.textContent = `${v.nodes.length} task${v.nodes.length === 1 ? '' : 's'} · critical path ${v.criticalHours}h${v.conflictGroups.length ? ` · ${v.conflictGroups.length} contested file group${v.conflictGroups.length === 1 ? '' : 's'}` : ''}${trusted ? '' : ' · Restricted Mode: actions that run workers are hidden'}`;
  minimap.hidden = v.nodes.length < MINIMAP_FROM;
  minimapBoxesStale = true;
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
function cull(moving = false, budget = 0): void {
  if (cullables.length === 0) return;
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
function unpark(el: Element): void {
  const i = cullableOf.get(el);
  if (i === undefined || cullables[i].shown) return;
  const c = cullables[i];
  let j = i - 1;
  while (j >= 0 && cullables[j].home === c.home && !cullables[j].shown) j--;
  const before = j >= 0 && cullables[j].home === c.home ? cullables[j].el : undefined;
  c.home.insertBefore(c.el, before ? before.nextSibling : c.home.firstChild);
  c.shown = true;
}

/** Sets one box's state class, state text, activity and accessible name. */
function paintBox(id: string): void {
  const g = boxes.get(id);
  const n = nodesById.get(id);
  if (!g || !n) return;
  const l = live[id];
  const state = l?.state ?? 'blocked';
  g.setAttribute('class', `node s-${state}${n.critical ? ' critical' : ''}${id === selected ? ' selected' : ''}${g.classList.contains('dim') ? ' dim' : ''}`);
  (g.children[5] as SVGTextElement).textContent = l?.label ?? '';
  (g.children[6] as SVGTextElement).textContent = l?.activity ?? '';
  const stageText = n.stage === undefined ? 'no stage' : `stage ${n.stage + 1}`;
  g.setAttribute(
    'aria-label',
    `${n.fullTitle}, ${n.id}, ${l?.label ?? 'Blocked'}, ${stageText}${n.critical ? ', on the critical path' : ''}${l?.activity ? `, ${l.activity}` : ''}`,
  );
}

function applyLive(next: Record<string, TaskLive>): void {
  const before = live;
  live = next;
  for (const id of boxes.keys()) {
    const a = before[id];
    const b = next[id];
    if (a?.state !== b?.state || a?.activity !== b?.activity || a?.label !== b?.label) paintBox(id);
  }
  if (filter !== 'all') applySearchAndFilter();
  scheduleMinimap(true);
}

function renderProblems(): void {
  const list = view?.problems ?? [];
  problems.hidden = list.length === 0;
  problems.innerHTML = list
    .map(
      (p) => `<li><button class="problem ${p.severity}" data-line="${p.line}" data-column="${p.column}"><span class="severity">${p.severity === 'error' ? 'Error' : 'Warning'}</span> ` +
        `line ${p.line}: ${escapeHtml(p.message)} <span class="code">${escapeHtml(p.code)}</span></button></li>`,
    )
    .join('');
}
problems.addEventListener('click', (e) => {
  const b = (e.target as Element).closest('button');
  if (b) vscode.postMessage({ type: 'openProblem', line: Number(b.dataset.line), column: Number(b.dataset.column) });
});

// ---- selection, search, filter ----
function markSelected(id: string, on: boolean): void {
  boxes.get(id)?.classList.toggle('selected', on);
  for (const p of edgesByTask.get(id) ?? []) p.classList.toggle('related', on);
}

function select(id: string, options: { reveal?: boolean; tell?: boolean; focus?: boolean } = {}): void {
  if (selected && selected !== id) markSelected(selected, false);
  selected = id;
  markSelected(id, true);
  const g = boxes.get(id);
  if (g) {
    for (const other of nodesG.querySelectorAll('[tabindex="0"]')) other.setAttribute('tabindex', '-1');
    g.setAttribute('tabindex', '0');
    unpark(g);
    focusableBox = g;
  }
  // Reveal first: a culled box comes back into the page with the view, and can then take focus.
  if (options.reveal) revealBox(id);
  if (g && options.focus) g.focus({ preventScroll: true });
  if (options.tell !== false) vscode.postMessage({ type: 'select', id });
  saveState();
}

function applySearchAndFilter(): void {
  const q = search.trim().toLowerCase();
  const f = FILTERS[filter];
  for (const [id, g] of boxes) {
    const n = nodesById.get(id)!;
    const matches = (!q || id.toLowerCase().includes(q) || n.fullTitle.toLowerCase().includes(q)) && f.has(live[id]?.state ?? 'blocked');
    g.classList.toggle('dim', !matches);
  }
  svg.classList.toggle('filtering', Boolean(q) || filter !== 'all');
}

searchBox.addEventListener('input', () => {
  search = searchBox.value;
  applySearchAndFilter();
  saveState();
});
searchBox.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter' || !view) return;
  // Enter jumps to the next match after the selected one.
  const matches = view.nodes.filter((n) => !boxes.get(n.id)?.classList.contains('dim'));
  if (matches.length === 0) return;
  const at = matches.findIndex((n) => n.id === selected);
  select(matches[(at + 1) % matches.length].id, { reveal: true });
});
filterBox.addEventListener('change', () => {
  filter = filterBox.value;
  applySearchAndFilter();
  saveState();
});

// ---- pan and zoom ----
/**
 * Shows the view at (tx, ty, k). During a gesture (a drag, a run of wheel events) the picture is simplified
 * until the pointer is up or the wheel has been quiet for a moment: `moving` leaves out the contested-file
 * links (their dashes cost the most to paint), `zooming` the text as well.
 */
function applyTransform(gesture = false): void {
  viewportG.setAttribute('transform', `translate(${tx} ${ty}) scale(${k})`);
  // On the drawn group, not the svg: a class on the svg would restyle every parked element too.
  const classes = viewportG.classList;
  // Zooming in past 40% keeps the blocks until the gesture stops: bringing back the detailed boxes and their
  // arrows costs several frames' time at 3,000 tasks, paid once when the text comes back anyway.
  far = k < TEXT_SCALE || (gesture && far);
  if (far !== classes.contains('far')) classes.toggle('far', far);
  if (gesture !== classes.contains('moving')) classes.toggle('moving', gesture);
  // Zooming also hides the text: SVG text is laid out again at every new scale, the costliest part of a frame.
  const zooming = gesture && (classes.contains('zooming') || k !== shownScale);
  if (zooming !== classes.contains('zooming')) classes.toggle('zooming', zooming);
  shownScale = k;
  clearTimeout(gestureEnd);
  if (gesture) gestureEnd = window.setTimeout(() => applyTransform(), GESTURE_END_MS);
  cull(gesture);
  scheduleMinimap();
  saveState();
}

function fit(): void {
  if (!view) return;
  const w = stage.clientWidth || 800;
  const h = stage.clientHeight || 600;
  k = Math.max(MIN_SCALE, Math.min(1, (w - 20) / view.width, (h - 20) / view.height));
  tx = Math.max(10, (w - view.width * k) / 2);
  ty = Math.max(10, (h - view.height * k) / 2);
  if (k < TEXT_SCALE && view.nodes.length > 60) {
    // A large plan would fit as specks: start readable at its first stage, with the minimap for the rest.
    k = 0.6;
    const first = view.nodes.filter((n) => n.column === 0);
    const mid = first.reduce((sum, n) => sum + n.y, 0) / Math.max(1, first.length) + view.nodeHeight / 2;
    tx = 10;
    ty = h / 2 - mid * k;
  }
}

function zoomAt(factor: number, sx: number, sy: number, gesture = false): void {
  const next = Math.max(MIN_SCALE, Math.min(MAX_SCALE, k * factor));
  tx = sx - ((sx - tx) * next) / k;
  ty = sy - ((sy - ty) * next) / k;
  k = next;
  applyTransform(gesture);
}

function revealBox(id: string): void {
  const n = nodesById.get(id);
  if (!n || !view) return;
  const w = stage.clientWidth;
  const h = stage.clientHeight;
  const x0 = n.x * k + tx;
  const y0 = n.y * k + ty;
  const x1 = (n.x + view.nodeWidth) * k + tx;
  const y1 = (n.y + view.nodeHeight) * k + ty;
  if (x0 >= 0 && y0 >= 0 && x1 <= w && y1 <= h) return;
  tx = w / 2 - (n.x + view.nodeWidth / 2) * k;
  ty = h / 2 - (n.y + view.nodeHeight / 2) * k;
  applyTransform();
}

/** The task whose box should stay put through a re-layout: the selection if visible, else the one nearest the centre. */
function anchorTask(): string | undefined {
  if (!view) return undefined;
  const cx = (stage.clientWidth / 2 - tx) / k;
  const cy = (stage.clientHeight / 2 - ty) / k;
  if (selected && nodesById.has(selected)) return selected;
  let best: string | undefined;
  let bestD = Infinity;
  for (const n of view.nodes) {
    const d = (n.x + view.nodeWidth / 2 - cx) ** 2 + (n.y + view.nodeHeight / 2 - cy) ** 2;
    if (d < bestD) (bestD = d), (best = n.id);
  }
  return best;
}

let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | undefined;
stage.addEventListener('pointerdown', (e) => {
  const target = e.target as Element;
  if (e.button !== 0 || target.closest('.node') || target === minimap) return;
  drag = { x: e.clientX, y: e.clientY, tx, ty, moved: false };
  stage.setPointerCapture(e.pointerId);
  stage.classList.add('dragging');
});
stage.addEventListener('pointermove', (e) => {
  if (!drag) return;
  tx = drag.tx + e.clientX - drag.x;
  ty = drag.ty + e.clientY - drag.y;
  drag.moved = true;
  applyTransform(true);
});
const endDrag = () => {
  if (!drag) return;
  drag = undefined;
  stage.classList.remove('dragging');
  applyTransform();
};
stage.addEventListener('pointerup', endDrag);
stage.addEventListener('pointercancel', endDrag);
stage.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    const r = stageBox;
    if (e.ctrlKey || e.metaKey || !e.shiftKey) zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top, true);
    else {
      tx -= e.deltaY;
      applyTransform(true);
    }
  },
  { passive: false },
);
$<HTMLButtonElement>('fit').addEventListener('click', () => (fit(), applyTransform()));
$<HTMLButtonElement>('zoomIn').addEventListener('click', () => zoomAt(1.25, stage.clientWidth / 2, stage.clientHeight / 2));
$<HTMLButtonElement>('zoomOut').addEventListener('click', () => zoomAt(0.8, stage.clientWidth / 2, stage.clientHeight / 2));
/** The stage's place and size, kept here: reading them in a wheel or pan handler would force a layout each frame. */
let stageBox = { left: 0, top: 0, width: 0, height: 0 };
new ResizeObserver(() => {
  const r = stage.getBoundingClientRect();
  stageBox = { left: r.left, top: r.top, width: r.width, height: r.height };
  kept = undefined;
  cull();
  scheduleMinimap();
}).observe(stage);

// ---- boxes: click, double-click, keyboard, context menu ----
const boxOf = (target: EventTarget | null) => (target as Element | null)?.closest?.('.node') as SVGGElement | null;
nodesG.addEventListener('click', (e) => {
  const g = boxOf(e.target);
  if (g) select(g.dataset.id!, { focus: true });
});
nodesG.addEventListener('dblclick', (e) => {
  const g = boxOf(e.target);
  if (g) vscode.postMessage({ type: 'open', id: g.dataset.id! });
});
nodesG.addEventListener('contextmenu', (e) => {
  const g = boxOf(e.target);
  if (!g) return;
  e.preventDefault();
  select(g.dataset.id!, { focus: true });
  openMenu(g.dataset.id!, e.clientX, e.clientY);
});
nodesG.addEventListener('keydown', (e) => {
  const g = boxOf(e.target);
  if (!g || !view) return;
  const id = g.dataset.id!;
  const n = nodesById.get(id)!;
  let next: string | undefined;
  switch (e.key) {
    case 'ArrowRight':
      next = nearest(n, n.dependents);
      break;
    case 'ArrowLeft':
      next = nearest(n, n.deps);
      break;
    case 'ArrowDown':
    case 'ArrowUp': {
      const column = view.nodes.filter((m) => m.column === n.column).sort((a, b) => a.y - b.y);
      next = column[column.indexOf(n) + (e.key === 'ArrowDown' ? 1 : -1)]?.id;
      break;
    }
    case 'Tab': {
      // Reading order: column by column, top to bottom; past either end, focus leaves the graph.
      const order = [...view.nodes].sort((a, b) => a.column - b.column || a.y - b.y);
      next = order[order.indexOf(n) + (e.shiftKey ? -1 : 1)]?.id;
      if (!next) return;
      break;
    }
    case 'Enter':
      vscode.postMessage({ type: 'open', id });
      break;
    case ' ':
      select(id);
      break;
    case 'ContextMenu':
    case 'F10': {
      if (e.key === 'F10' && !e.shiftKey) return;
      const r = g.getBoundingClientRect();
      openMenu(id, r.left + 20, r.bottom);
      break;
    }
    default:
      return;
  }
  e.preventDefault();
  if (next) select(next, { reveal: true, focus: true });
});

/** Of `ids`, the box vertically nearest to `from`: where an arrow key most naturally goes. */
function nearest(from: GraphNodeView, ids: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const id of ids) {
    const m = nodesById.get(id);
    if (m && Math.abs(m.y - from.y) < bestD) (bestD = Math.abs(m.y - from.y)), (best = id);
  }
  return best;
}

document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
  if (e.key === 'f' || e.key === 'F') (fit(), applyTransform());
  else if (e.key === '+' || e.key === '=') zoomAt(1.25, stage.clientWidth / 2, stage.clientHeight / 2);
  else if (e.key === '-') zoomAt(0.8, stage.clientWidth / 2, stage.clientHeight / 2);
  else if (e.key === '/' ) (e.preventDefault(), searchBox.focus());
});

function openMenu(id: string, x: number, y: number): void {
  const actions = live[id]?.actions ?? ['openTask'];
  menu.innerHTML = actions.map((a) => `<button role="menuitem" data-action="${a}" tabindex="-1">${escapeHtml(GRAPH_ACTIONS[a])}</button>`).join('');
  menu.dataset.id = id;
  menu.hidden = false;
  const r = menu.getBoundingClientRect();
  menu.style.left = `${Math.min(x, window.innerWidth - r.width - 4)}px`;
  menu.style.top = `${Math.min(y, window.innerHeight - r.height - 4)}px`;
  (menu.firstElementChild as HTMLButtonElement | null)?.focus();
}
function closeMenu(): void {
  if (menu.hidden) return;
  menu.hidden = true;
  boxes.get(menu.dataset.id ?? '')?.focus({ preventScroll: true });
}
menu.addEventListener('click', (e) => {
  const b = (e.target as Element).closest('button');
  if (!b) return;
  const action = b.dataset.action as keyof typeof GRAPH_ACTIONS;
  const id = menu.dataset.id!;
  closeMenu();
  vscode.postMessage(action === 'openTask' ? { type: 'open', id } : { type: 'action', action, id });
});
menu.addEventListener('keydown', (e) => {
  const items = [...menu.querySelectorAll('button')];
  const at = items.indexOf(document.activeElement as HTMLButtonElement);
  if (e.key === 'Escape') closeMenu();
  else if (e.key === 'ArrowDown') items[(at + 1) % items.length].focus();
  else if (e.key === 'ArrowUp') items[(at - 1 + items.length) % items.length].focus();
  else return;
  e.preventDefault();
});
document.addEventListener('pointerdown', (e) => {
  if (!menu.hidden && !menu.contains(e.target as Node)) closeMenu();
});

// ---- minimap ----
let minimapPending = false;
/** The boxes as the minimap draws them, redrawn only when a state or the layout changes (not on a pan). */
const minimapBoxes = document.createElement('canvas');
let minimapBoxesStale = true;
function scheduleMinimap(boxesChanged = false): void {
  minimapBoxesStale ||= boxesChanged;
  if (minimapPending || minimap.hidden) return;
  minimapPending = true;
  requestAnimationFrame(() => {
    minimapPending = false;
    drawMinimap();
  });
}

const colourCache = new Map<string, string>();
function stateColour(state: string): string {
  let c = colourCache.get(state);
  if (!c && state === 'viewport') colourCache.set(state, (c = getComputedStyle(minimap).color));
  if (!c) {
    const probe = boxes.values().next().value as SVGGElement | undefined;
    const g = [...boxes.values()].find((b) => b.classList.contains(`s-${state}`)) ?? probe;
    c = g ? getComputedStyle(g.children[2]).fill : '#888';
    colourCache.set(state, c);
  }
  return c;
}
new MutationObserver(() => (colourCache.clear(), scheduleMinimap(true))).observe(document.body, { attributes: true, attributeFilter: ['class'] });

function minimapScale(): { s: number; ox: number; oy: number } {
  const s = Math.min(minimap.width / view!.width, minimap.height / view!.height);
  return { s, ox: (minimap.width - view!.width * s) / 2, oy: (minimap.height - view!.height * s) / 2 };
}

function drawMinimap(): void {
  if (!view || minimap.hidden) return;
  const ctx = minimap.getContext('2d')!;
  const { s, ox, oy } = minimapScale();
  if (minimapBoxesStale) {
    minimapBoxesStale = false;
    minimapBoxes.width = minimap.width;
    minimapBoxes.height = minimap.height;
    const base = minimapBoxes.getContext('2d')!;
    const w = Math.max(1, view.nodeWidth * s);
    const h = Math.max(1, view.nodeHeight * s);
    for (const n of view.nodes) {
      base.fillStyle = stateColour(live[n.id]?.state ?? 'blocked');
      base.fillRect(ox + n.x * s, oy + n.y * s, w, h);
    }
  }
  ctx.clearRect(0, 0, minimap.width, minimap.height);
  ctx.drawImage(minimapBoxes, 0, 0);
  ctx.strokeStyle = stateColour('viewport');
  ctx.lineWidth = 1.5;
  ctx.strokeRect(ox + (-tx / k) * s, oy + (-ty / k) * s, (stageBox.width / k) * s, (stageBox.height / k) * s);
}

function minimapJump(e: PointerEvent): void {
  const r = minimap.getBoundingClientRect();
  const { s, ox, oy } = minimapScale();
  const gx = (e.clientX - r.left - ox) / s;
  const gy = (e.clientY - r.top - oy) / s;
  tx = stage.clientWidth / 2 - gx * k;
  ty = stage.clientHeight / 2 - gy * k;
  applyTransform();
}
minimap.addEventListener('pointerdown', (e) => {
  minimap.setPointerCapture(e.pointerId);
  minimapJump(e);
});
minimap.addEventListener('pointermove', (e) => {
  if (e.buttons & 1) minimapJump(e);
});

// ---- state kept through reloads ----
let saveTimer: number | undefined;
function saveState(): void {
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => vscode.setState({ viewport: { x: tx, y: ty, scale: k }, selected, filter, search }), 150);
}

vscode.postMessage({ type: 'ready' });
