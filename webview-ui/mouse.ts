// The mouse on a box: a click selects it, a double-click opens the plan at it, a right-click opens its
// menu. Dragging and the wheel move the view (viewport.ts).
import { openMenu } from './menus';
import { post } from './messages';
import { boxOf, nodesG } from './page';
import { select } from './selection';

nodesG.addEventListener('click', (e) => {
  const g = boxOf(e.target);
  if (g) select(g.dataset.id!, { focus: true });
});
nodesG.addEventListener('dblclick', (e) => {
  const g = boxOf(e.target);
  if (g) post({ type: 'open', id: g.dataset.id! });
});
nodesG.addEventListener('contextmenu', (e) => {
  const g = boxOf(e.target);
  if (!g) return;
  e.preventDefault();
  select(g.dataset.id!, { focus: true });
  openMenu(g.dataset.id!, e.clientX, e.clientY);
});
