// The keyboard: arrow keys move along dependencies, Tab in reading order, Enter opens, Space selects,
// Shift+F10 or the menu key opens the menu; F, +, - and / work anywhere outside the search box.
import type { GraphNodeView } from '../src/graphProtocol';
import { openMenu } from './menus';
import { post } from './messages';
import { boxOf, nodesG, searchBox } from './page';
import { select } from './selection';
import { graph } from './state';
import { applyTransform, fit, zoomAtCentre } from './viewport';

nodesG.addEventListener('keydown', (e) => {
  const g = boxOf(e.target);
  const view = graph.view;
  if (!g || !view) return;
  const id = g.dataset.id!;
  const n = graph.nodesById.get(id)!;
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
      post({ type: 'open', id });
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
    const m = graph.nodesById.get(id);
    if (m && Math.abs(m.y - from.y) < bestD) (bestD = Math.abs(m.y - from.y)), (best = id);
  }
  return best;
}

document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
  if (e.key === 'f' || e.key === 'F') (fit(), applyTransform());
  else if (e.key === '+' || e.key === '=') zoomAtCentre(1.25);
  else if (e.key === '-') zoomAtCentre(0.8);
  else if (e.key === '/') (e.preventDefault(), searchBox.focus());
});
