// Pan and zoom: where the view is on the graph, and the drags, wheel, buttons and minimap clicks that move it.
import { cull, forgetKeptArea } from './culling';
import { minimapPoint, scheduleMinimap } from './minimap';
import { $, minimap, stage, viewportG } from './page';
import { camera, graph, saveState } from './state';

const MIN_SCALE = 0.05;
const MAX_SCALE = 2.5;
/**
 * Below this zoom the picture is simplified: no text (unreadable anyway), no arrows off the critical path,
 * no contested-file links (thousands of dashed curves are what made a zoomed-out plan slow to move), and
 * each box filled with its state's colour.
 */
const TEXT_SCALE = 0.4;
/** A wheel quiet this long ends its gesture. */
const GESTURE_END_MS = 150;

let gestureEnd: number | undefined;
let shownScale = 1;

/**
 * Shows the view at (tx, ty, k). During a gesture (a drag, a run of wheel events) the picture is simplified
 * until the pointer is up or the wheel has been quiet for a moment: `moving` leaves out the contested-file
 * links (their dashes cost the most to paint), `zooming` the text as well.
 */
export function applyTransform(gesture = false): void {
  const { tx, ty, k } = camera;
  viewportG.setAttribute('transform', `translate(${tx} ${ty}) scale(${k})`);
  // On the drawn group, not the svg: a class on the svg would restyle every parked element too.
  const classes = viewportG.classList;
  // Zooming in past 40% keeps the blocks until the gesture stops: bringing back the detailed boxes and their
  // arrows costs several frames' time at 3,000 tasks, paid once when the text comes back anyway.
  const far = (camera.far = k < TEXT_SCALE || (gesture && camera.far));
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

export function fit(): void {
  const view = graph.view;
  if (!view) return;
  const w = stage.clientWidth || 800;
  const h = stage.clientHeight || 600;
  let k = Math.max(MIN_SCALE, Math.min(1, (w - 20) / view.width, (h - 20) / view.height));
  let tx = Math.max(10, (w - view.width * k) / 2);
  let ty = Math.max(10, (h - view.height * k) / 2);
  if (k < TEXT_SCALE && view.nodes.length > 60) {
    // A large plan would fit as specks: start readable at its first stage, with the minimap for the rest.
    k = 0.6;
    const first = view.nodes.filter((n) => n.column === 0);
    const mid = first.reduce((sum, n) => sum + n.y, 0) / Math.max(1, first.length) + view.nodeHeight / 2;
    tx = 10;
    ty = h / 2 - mid * k;
  }
  Object.assign(camera, { tx, ty, k });
}

export function zoomAt(factor: number, sx: number, sy: number, gesture = false): void {
  const { tx, ty, k } = camera;
  const next = Math.max(MIN_SCALE, Math.min(MAX_SCALE, k * factor));
  camera.tx = sx - ((sx - tx) * next) / k;
  camera.ty = sy - ((sy - ty) * next) / k;
  camera.k = next;
  applyTransform(gesture);
}

/** Zooms by `factor` about the middle of the stage (buttons, keys). */
export function zoomAtCentre(factor: number): void {
  zoomAt(factor, stage.clientWidth / 2, stage.clientHeight / 2);
}

export function revealBox(id: string): void {
  const n = graph.nodesById.get(id);
  const view = graph.view;
  if (!n || !view) return;
  const { tx, ty, k } = camera;
  const w = stage.clientWidth;
  const h = stage.clientHeight;
  const x0 = n.x * k + tx;
  const y0 = n.y * k + ty;
  const x1 = (n.x + view.nodeWidth) * k + tx;
  const y1 = (n.y + view.nodeHeight) * k + ty;
  if (x0 >= 0 && y0 >= 0 && x1 <= w && y1 <= h) return;
  camera.tx = w / 2 - (n.x + view.nodeWidth / 2) * k;
  camera.ty = h / 2 - (n.y + view.nodeHeight / 2) * k;
  applyTransform();
}

/** The task whose box should stay put through a re-layout: the selection if visible, else the one nearest the centre. */
export function anchorTask(): string | undefined {
  const view = graph.view;
  if (!view) return undefined;
  const { tx, ty, k } = camera;
  const cx = (stage.clientWidth / 2 - tx) / k;
  const cy = (stage.clientHeight / 2 - ty) / k;
  if (graph.selected && graph.nodesById.has(graph.selected)) return graph.selected;
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
  drag = { x: e.clientX, y: e.clientY, tx: camera.tx, ty: camera.ty, moved: false };
  stage.setPointerCapture(e.pointerId);
  stage.classList.add('dragging');
});
stage.addEventListener('pointermove', (e) => {
  if (!drag) return;
  camera.tx = drag.tx + e.clientX - drag.x;
  camera.ty = drag.ty + e.clientY - drag.y;
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
    const r = camera.stageBox;
    if (e.ctrlKey || e.metaKey || !e.shiftKey) zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top, true);
    else {
      camera.tx -= e.deltaY;
      applyTransform(true);
    }
  },
  { passive: false },
);
$<HTMLButtonElement>('fit').addEventListener('click', () => (fit(), applyTransform()));
$<HTMLButtonElement>('zoomIn').addEventListener('click', () => zoomAtCentre(1.25));
$<HTMLButtonElement>('zoomOut').addEventListener('click', () => zoomAtCentre(0.8));
new ResizeObserver(() => {
  const r = stage.getBoundingClientRect();
  camera.stageBox = { left: r.left, top: r.top, width: r.width, height: r.height };
  forgetKeptArea();
  cull();
  scheduleMinimap();
}).observe(stage);

// A click or drag on the minimap centres the view there.
function minimapJump(e: PointerEvent): void {
  const p = minimapPoint(e);
  camera.tx = stage.clientWidth / 2 - p.x * camera.k;
  camera.ty = stage.clientHeight / 2 - p.y * camera.k;
  applyTransform();
}
minimap.addEventListener('pointerdown', (e) => {
  minimap.setPointerCapture(e.pointerId);
  minimapJump(e);
});
minimap.addEventListener('pointermove', (e) => {
  if (e.buttons & 1) minimapJump(e);
});
