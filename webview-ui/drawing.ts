// Drawing the graph: the host's layout turned into SVG once per layout, and live updates that touch only
// the changed boxes' classes and text, so a state change at a thousand tasks costs a few milliseconds and
// never moves a box or the viewport.
import type { GraphView, TaskLive } from '../src/graphProtocol';
import { CULL_FROM, forgetCullables, takeCullables } from './culling';
import { resetMinimap, scheduleMinimap } from './minimap';
import { app, banner, columnsG, conflictsG, edgesG, empty, escapeHtml, nodesG, parkedFor, summary } from './page';
import { renderProblems } from './problems';
import { applySearchAndFilter } from './search';
import { markSelected } from './selection';
import { camera, graph, savedViewport } from './state';
import { anchorTask, applyTransform, fit } from './viewport';

export function showEmpty(text: string): void {
  graph.view = undefined;
  nodesG.innerHTML = edgesG.innerHTML = conflictsG.innerHTML = columnsG.innerHTML = '';
  for (const g of parkedFor.values()) g.textContent = '';
  forgetCullables();
  graph.boxes = new Map();
  empty.textContent = text;
  empty.hidden = false;
  banner.hidden = true;
  resetMinimap(0);
  summary.textContent = '';
  app.setAttribute('aria-busy', 'false');
}

export function showGraph(next: GraphView, nextLive: Record<string, TaskLive>): void {
  // Keep the picture still: the selected box (or the one nearest the centre) stays where it is on screen.
  const anchor = graph.view ? anchorTask() : undefined;
  const before = anchor ? graph.nodesById.get(anchor) : undefined;
  const first = !graph.view;
  graph.view = next;
  graph.live = nextLive;
  graph.nodesById = new Map(next.nodes.map((n) => [n.id, n]));
  empty.hidden = true;
  render();
  const after = anchor ? graph.nodesById.get(anchor) : undefined;
  if (before && after) {
    camera.tx += (before.x - after.x) * camera.k;
    camera.ty += (before.y - after.y) * camera.k;
  } else if (first && savedViewport) {
    ({ x: camera.tx, y: camera.ty, scale: camera.k } = savedViewport);
  } else if (first || !before || !after) fit(); // the task it kept still has gone: show the whole plan
  applyTransform();
  app.setAttribute('aria-busy', 'false');
}

function render(): void {
  const v = graph.view!;
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
  const boxes = (graph.boxes = new Map<string, SVGGElement>());
  for (const g of nodesIn.children) boxes.set((g as SVGGElement).dataset.id!, g as SVGGElement);
  const edgesByTask = (graph.edgesByTask = new Map<string, SVGPathElement[]>());
  const paths = [...edgesIn.children];
  v.edges.forEach((e, i) => {
    for (const id of [e.from, e.to]) {
      let list = edgesByTask.get(id);
      if (!list) edgesByTask.set(id, (list = []));
      list.push(paths[i] as SVGPathElement);
    }
  });
  for (const n of v.nodes) paintBox(n.id);
  forgetCullables();
  if (culled) takeCullables(v, paths, [...conflictsIn.children]);
  if (graph.selected && !boxes.has(graph.selected)) graph.selected = undefined;
  if (graph.selected) markSelected(graph.selected, true);
  const focusable = boxes.get(graph.selected ?? v.nodes[0]?.id ?? '');
  focusable?.setAttribute('tabindex', '0');
  graph.focusableBox = focusable ?? undefined;
  renderProblems(v.problems);
  applySearchAndFilter();
  summary.textContent = `${v.nodes.length} task${v.nodes.length === 1 ? '' : 's'} · critical path ${v.criticalHours}h${v.conflictGroups.length ? ` · ${v.conflictGroups.length} contested file group${v.conflictGroups.length === 1 ? '' : 's'}` : ''}${graph.trusted ? '' : ' · Restricted Mode: actions that run workers are hidden'}`;
  resetMinimap(v.nodes.length);
}

/** Sets one box's state class, state text, activity and accessible name. */
function paintBox(id: string): void {
  const g = graph.boxes.get(id);
  const n = graph.nodesById.get(id);
  if (!g || !n) return;
  const l = graph.live[id];
  const state = l?.state ?? 'blocked';
  g.setAttribute('class', `node s-${state}${n.critical ? ' critical' : ''}${id === graph.selected ? ' selected' : ''}${g.classList.contains('dim') ? ' dim' : ''}`);
  (g.children[5] as SVGTextElement).textContent = l?.label ?? '';
  (g.children[6] as SVGTextElement).textContent = l?.activity ?? '';
  const stageText = n.stage === undefined ? 'no stage' : `stage ${n.stage + 1}`;
  g.setAttribute(
    'aria-label',
    `${n.fullTitle}, ${n.id}, ${l?.label ?? 'Blocked'}, ${stageText}${n.critical ? ', on the critical path' : ''}${l?.activity ? `, ${l.activity}` : ''}`,
  );
}

export function applyLive(next: Record<string, TaskLive>): void {
  const before = graph.live;
  graph.live = next;
  for (const id of graph.boxes.keys()) {
    const a = before[id];
    const b = next[id];
    if (a?.state !== b?.state || a?.activity !== b?.activity || a?.label !== b?.label) paintBox(id);
  }
  if (graph.filter !== 'all') applySearchAndFilter();
  scheduleMinimap(true);
}
