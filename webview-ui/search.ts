// Search and the state filter: boxes that do not match are dimmed, and Enter in the search box jumps
// from match to match.
import { FILTERS } from './filters';
import { filterBox, searchBox, svg } from './page';
import { select } from './selection';
import { graph, saveState } from './state';

for (const [value, f] of Object.entries(FILTERS)) filterBox.add(new Option(f.label, value));
filterBox.value = graph.filter;
searchBox.value = graph.search;

export function applySearchAndFilter(): void {
  const q = graph.search.trim().toLowerCase();
  const f = FILTERS[graph.filter];
  for (const [id, g] of graph.boxes) {
    const n = graph.nodesById.get(id)!;
    const matches = (!q || id.toLowerCase().includes(q) || n.fullTitle.toLowerCase().includes(q)) && f.has(graph.live[id]?.state ?? 'blocked');
    g.classList.toggle('dim', !matches);
  }
  svg.classList.toggle('filtering', Boolean(q) || graph.filter !== 'all');
}

searchBox.addEventListener('input', () => {
  graph.search = searchBox.value;
  applySearchAndFilter();
  saveState();
});
searchBox.addEventListener('keydown', (e) => {
  const view = graph.view;
  if (e.key !== 'Enter' || !view) return;
  // Enter jumps to the next match after the selected one.
  const matches = view.nodes.filter((n) => !graph.boxes.get(n.id)?.classList.contains('dim'));
  if (matches.length === 0) return;
  const at = matches.findIndex((n) => n.id === graph.selected);
  select(matches[(at + 1) % matches.length].id, { reveal: true });
});
filterBox.addEventListener('change', () => {
  graph.filter = filterBox.value;
  applySearchAndFilter();
  saveState();
});
