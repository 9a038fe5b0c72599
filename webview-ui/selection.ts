// The selected task: its box and arrows marked, the one box Tab reaches, and the Tasks tree told.
import { unpark } from './culling';
import { post } from './messages';
import { nodesG } from './page';
import { graph, saveState } from './state';
import { revealBox } from './viewport';

export function markSelected(id: string, on: boolean): void {
  graph.boxes.get(id)?.classList.toggle('selected', on);
  for (const p of graph.edgesByTask.get(id) ?? []) p.classList.toggle('related', on);
}

export function select(id: string, options: { reveal?: boolean; tell?: boolean; focus?: boolean } = {}): void {
  if (graph.selected && graph.selected !== id) markSelected(graph.selected, false);
  graph.selected = id;
  markSelected(id, true);
  const g = graph.boxes.get(id);
  if (g) {
    for (const other of nodesG.querySelectorAll('[tabindex="0"]')) other.setAttribute('tabindex', '-1');
    g.setAttribute('tabindex', '0');
    unpark(g);
    graph.focusableBox = g;
  }
  // Reveal first: a culled box comes back into the page with the view, and can then take focus.
  if (options.reveal) revealBox(id);
  if (g && options.focus) g.focus({ preventScroll: true });
  if (options.tell !== false) post({ type: 'select', id });
  saveState();
}
