// What the page knows and shows: the host's last layout and live states, the boxes drawn for them, the
// selection, search and filter, and where the view is. Modules read and change these objects in place;
// the part worth keeping through a reload is saved with VS Code's webview state.
import type { GraphNodeView, GraphView, TaskLive } from '../src/graphProtocol';
import { FILTERS } from './filters';
import { vscode } from './vscodeApi';

const saved = vscode.getState() ?? {};

export const graph = {
  view: undefined as GraphView | undefined,
  live: {} as Record<string, TaskLive>,
  trusted: true,
  nodesById: new Map<string, GraphNodeView>(),
  boxes: new Map<string, SVGGElement>(),
  edgesByTask: new Map<string, SVGPathElement[]>(),
  selected: saved.selected as string | undefined,
  /** The box that keeps tabindex 0 (roving tabindex): culling always leaves it in the page, so Tab reaches it. */
  focusableBox: undefined as Element | undefined,
  filter: saved.filter && FILTERS[saved.filter] ? saved.filter : 'all',
  search: saved.search ?? '',
};

/** screen = graph * k + (tx, ty) */
export const camera = {
  tx: 0,
  ty: 0,
  k: 1,
  /** Whether the picture is drawn zoomed out (blocks, no text): below TEXT_SCALE, or still zooming in past it. */
  far: false,
  /** The stage's place and size, kept here: reading them in a wheel or pan handler would force a layout each frame. */
  stageBox: { left: 0, top: 0, width: 0, height: 0 },
};

/** The pan and zoom the page had before a reload, for the first layout to show. */
export const savedViewport = saved.viewport;

let saveTimer: number | undefined;
export function saveState(): void {
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(
    () => vscode.setState({ viewport: { x: camera.tx, y: camera.ty, scale: camera.k }, selected: graph.selected, filter: graph.filter, search: graph.search }),
    150,
  );
}
