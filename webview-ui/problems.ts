// The list of the plan's problems above the graph; a click opens the plan at the problem.
import type { GraphView } from '../src/graphProtocol';
import { post } from './messages';
import { escapeHtml, problems } from './page';

export function renderProblems(list: GraphView['problems']): void {
  problems.hidden = list.length === 0;
  problems.innerHTML = list
    .map(
      (p) => `<li><button class="problem ${p.severity}" data-line="${p.line}" data-column="${p.column}"><span class="severity">${p.severity === 'error' ? 'Error' : 'Warning'}</span> ` +
        `line ${p.line}: ${escapeHtml(p.message)} <span class="code">${escapeHtml(p.code)}</span></button></li>`,
    )
    .join('');
}

problems.addEventListener('click', (e) => {
  const b = (e.target as Element).closest('button');
  if (b) post({ type: 'openProblem', line: Number(b.dataset.line), column: Number(b.dataset.column) });
});
