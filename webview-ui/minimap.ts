// The minimap: the whole plan as coloured blocks in a corner, with the view's frame on it.
import { minimap } from './page';
import { camera, graph } from './state';

/** Plans smaller than this fit on screen well enough without one. */
const MINIMAP_FROM = 30;

let minimapPending = false;
/** The boxes as the minimap draws them, redrawn only when a state or the layout changes (not on a pan). */
const minimapBoxes = document.createElement('canvas');
let minimapBoxesStale = true;

/** A new layout (or none): the minimap shows for plans large enough and redraws its boxes. */
export function resetMinimap(tasks: number): void {
  minimap.hidden = tasks < MINIMAP_FROM;
  minimapBoxesStale = true;
}

export function scheduleMinimap(boxesChanged = false): void {
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
    const probe = graph.boxes.values().next().value as SVGGElement | undefined;
    const g = [...graph.boxes.values()].find((b) => b.classList.contains(`s-${state}`)) ?? probe;
    c = g ? getComputedStyle(g.children[2]).fill : '#888';
    colourCache.set(state, c);
  }
  return c;
}
// A theme change recolours the boxes; the minimap takes their colours anew.
new MutationObserver(() => (colourCache.clear(), scheduleMinimap(true))).observe(document.body, { attributes: true, attributeFilter: ['class'] });

function minimapScale(): { s: number; ox: number; oy: number } {
  const view = graph.view!;
  const s = Math.min(minimap.width / view.width, minimap.height / view.height);
  return { s, ox: (minimap.width - view.width * s) / 2, oy: (minimap.height - view.height * s) / 2 };
}

function drawMinimap(): void {
  const view = graph.view;
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
      base.fillStyle = stateColour(graph.live[n.id]?.state ?? 'blocked');
      base.fillRect(ox + n.x * s, oy + n.y * s, w, h);
    }
  }
  const { tx, ty, k, stageBox } = camera;
  ctx.clearRect(0, 0, minimap.width, minimap.height);
  ctx.drawImage(minimapBoxes, 0, 0);
  ctx.strokeStyle = stateColour('viewport');
  ctx.lineWidth = 1.5;
  ctx.strokeRect(ox + (-tx / k) * s, oy + (-ty / k) * s, (stageBox.width / k) * s, (stageBox.height / k) * s);
}

/** The graph point under a pointer on the minimap. */
export function minimapPoint(e: PointerEvent): { x: number; y: number } {
  const r = minimap.getBoundingClientRect();
  const { s, ox, oy } = minimapScale();
  return { x: (e.clientX - r.left - ox) / s, y: (e.clientY - r.top - oy) / s };
}
