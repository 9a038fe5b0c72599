// A box's context menu: the actions the host offers for that task, by mouse or keyboard.
import { GRAPH_ACTIONS } from '../src/graphProtocol';
import { post } from './messages';
import { escapeHtml, menu } from './page';
import { graph } from './state';

export function openMenu(id: string, x: number, y: number): void {
  const actions = graph.live[id]?.actions ?? ['openTask'];
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
  graph.boxes.get(menu.dataset.id ?? '')?.focus({ preventScroll: true });
}

menu.addEventListener('click', (e) => {
  const b = (e.target as Element).closest('button');
  if (!b) return;
  const action = b.dataset.action as keyof typeof GRAPH_ACTIONS;
  const id = menu.dataset.id!;
  closeMenu();
  post(action === 'openTask' ? { type: 'open', id } : { type: 'action', action, id });
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
