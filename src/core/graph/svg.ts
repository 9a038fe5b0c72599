// The graph as a self-contained SVG file: "Export Graph as SVG" and `baton graph --svg`. The same layout
// the panel draws, fixed light colours, no scripts and no external references. Deterministic: the same
// view and states give the same bytes.
import type { TaskState } from '../run/states';
import type { GraphView } from './graphView';

/** Fill and accent per state: light-theme versions of the colours the panel takes from the theme. */
const STATE_COLOURS: Record<TaskState, { accent: string; label: string }> = {
  blocked: { accent: '#8b8b8b', label: 'Blocked' },
  ready: { accent: '#388a34', label: 'Ready' },
  starting: { accent: '#1a85ff', label: 'Starting' },
  running: { accent: '#1a85ff', label: 'Running' },
  waiting_input: { accent: '#bf8803', label: 'Waiting for you' },
  idle: { accent: '#1a85ff', label: 'Idle' },
  worker_blocked: { accent: '#bf8803', label: 'Needs help' },
  review: { accent: '#652d90', label: 'Review' },
  stalled: { accent: '#d18616', label: 'Stalled' },
  failed: { accent: '#e51400', label: 'Failed' },
  queued: { accent: '#652d90', label: 'Queued to merge' },
  integration_failed: { accent: '#e51400', label: 'Integration failed' },
  approved: { accent: '#388a34', label: 'Approved' },
  conflict: { accent: '#ad0707', label: 'Merge conflict' },
  cancelled: { accent: '#8b8b8b', label: 'Cancelled' },
};

const CONFLICT_COLOURS = ['#c5480c', '#b5179e', '#0b7285', '#8a6d00', '#5c3dc4'];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderSvg(view: GraphView, states: ReadonlyMap<string, TaskState>): string {
  const W = view.nodeWidth;
  const H = view.nodeHeight;
  const top = 28; // room for the column headings
  const width = view.width;
  const height = view.height + top;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" role="img" aria-label="${escapeXml(view.name || 'Plan')} graph">`,
    `<title>${escapeXml(view.name || 'Plan')}: ${view.nodes.length} tasks, critical path ${view.criticalHours}h</title>`,
    '<defs>',
    '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#8b949e"/></marker>',
    '<marker id="arrow-critical" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#d73a49"/></marker>',
    '</defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  );
  for (const c of view.columns) {
    out.push(`<text x="${c.x + W / 2}" y="20" text-anchor="middle" font-size="12" font-weight="600" fill="#57606a">${escapeXml(c.label)}</text>`);
  }
  out.push(`<g transform="translate(0 ${top})">`);
  for (const e of view.edges) {
    out.push(
      e.critical
        ? `<path d="${e.d}" fill="none" stroke="#d73a49" stroke-width="2.5" marker-end="url(#arrow-critical)"/>`
        : `<path d="${e.d}" fill="none" stroke="#8b949e" stroke-width="1.3" marker-end="url(#arrow)"/>`,
    );
  }
  for (const c of view.conflicts) {
    const colour = CONFLICT_COLOURS[c.group % CONFLICT_COLOURS.length];
    const patterns = view.conflictGroups[c.group].patterns.join(', ');
    out.push(`<path d="${c.d}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="5 4"><title>May touch the same files: ${escapeXml(patterns)}</title></path>`);
  }
  for (const n of view.nodes) {
    const state = states.get(n.id) ?? 'blocked';
    const look = STATE_COLOURS[state];
    const stroke = n.critical ? '#d73a49' : '#d0d7de';
    out.push(
      `<g transform="translate(${n.x} ${n.y})">`,
      `<title>${escapeXml(n.fullTitle)} (${escapeXml(n.id)}): ${look.label}</title>`,
      `<rect width="${W}" height="${H}" rx="6" fill="#f6f8fa" stroke="${stroke}" stroke-width="${n.critical ? 2 : 1}"/>`,
      `<rect width="5" height="${H}" rx="2" fill="${look.accent}"/>`,
      `<text x="14" y="22" font-size="13" font-weight="600" fill="#1f2328">${escapeXml(n.title)}</text>`,
      `<text x="14" y="40" font-size="11" fill="#57606a">${escapeXml(n.detail)}</text>`,
      `<text x="${W - 10}" y="40" font-size="10" text-anchor="end" fill="${look.accent}">${escapeXml(look.label)}</text>`,
      '</g>',
    );
  }
  out.push('</g>', '</svg>');
  return out.join('\n') + '\n';
}
