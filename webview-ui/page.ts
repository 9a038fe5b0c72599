// The page's fixed markup and handles on its elements; everything drawn later goes inside these.
export const app = document.getElementById('app')!;
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
export const $ = <T extends Element>(id: string) => document.getElementById(id) as unknown as T;
export const stage = $<HTMLDivElement>('stage');
export const svg = $<SVGSVGElement>('graph');
export const viewportG = $<SVGGElement>('viewport');
export const nodesG = $<SVGGElement>('nodes');
export const edgesG = $<SVGGElement>('edges');
export const conflictsG = $<SVGGElement>('conflicts');
export const columnsG = $<SVGGElement>('columns');
/**
 * Where culled elements wait, out of the drawing and out of the way of style changes: hidden in place
 * (display none) they were still restyled whenever a class on the picture changed (60-100 ms at the 40%
 * switch at 3,000 tasks); here they are not. One group per kind: a state change restyles a parked box by
 * walking its group's children, which should not include thousands of arrows and links.
 */
export const parkedFor = new Map<Element, SVGGElement>([
  [nodesG, $<SVGGElement>('parkedNodes')],
  [edgesG, $<SVGGElement>('parkedEdges')],
  [conflictsG, $<SVGGElement>('parkedConflicts')],
]);
export const minimap = $<HTMLCanvasElement>('minimap');
export const menu = $<HTMLDivElement>('menu');
export const searchBox = $<HTMLInputElement>('search');
export const filterBox = $<HTMLSelectElement>('filter');
export const summary = $<HTMLSpanElement>('summary');
export const problems = $<HTMLUListElement>('problems');
export const banner = $<HTMLDivElement>('banner');
export const empty = $<HTMLDivElement>('empty');

/** Text made safe to put into the page's markup. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The task box an event happened in, if any. */
export const boxOf = (target: EventTarget | null) => (target as Element | null)?.closest?.('.node') as SVGGElement | null;
