// Benchmark: the plan graph at 1,000 and 3,000 tasks. Layout by Baton's stage layout against dagre alone
// (same ranks) in the same run; first paint and a state change in the real webview bundle, drawn by
// headless Chromium; `baton graph --svg` as a whole process. Medians; asserts nothing.
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzePlan } from '../src/core/graph/analysis';
import { buildGraphView } from '../src/core/graph/graphView';
import { layoutGraph } from '../src/core/graph/layout';
import { parsePlan } from '../src/core/plan/parse';
import { planStates } from '../src/core/run/states';
import type { Page } from 'playwright-core';
import type { TaskLive, ToWebview } from '../src/graphProtocol';
import { median, percentile, table, time, timeProcess } from './measure';
import { generatePlan } from './planBench';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** Notes the machine's load (1-minute average) beside a figure when it is taken: a busy machine slows frames. */
function withLoad([name, ms, note]: [string, number, string]): [string, number, string] {
  const load = `load ${loadavg()[0].toFixed(2)}`;
  return [name, ms, note ? `${note}; ${load}` : load];
}
const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function planOf(tasks: number) {
  const parsed = parsePlan(generatePlan(tasks).text, 'baton.yaml', { taskPositions: false });
  return { ...parsed, analysis: analyzePlan(parsed.plan) };
}

function liveOf(states: Map<string, string>): Record<string, TaskLive> {
  const live: Record<string, TaskLive> = {};
  for (const [id, state] of states) live[id] = { state: state as TaskLive['state'], label: state, actions: ['openTask'] };
  return live;
}

/** A page that loads the built webview with a stand-in for VS Code's API and a dark theme's variables. */
export function webviewPage(dir: string, bodyClass = 'vscode-dark'): string {
  copyFileSync(join(__dirname, '..', 'dist', 'webview', 'webview.js'), join(dir, 'webview.js'));
  copyFileSync(join(__dirname, '..', 'dist', 'webview', 'webview.css'), join(dir, 'webview.css'));
  const file = join(dir, 'index.html');
  writeFileSync(
    file,
    `<!DOCTYPE html><html><head><link rel="stylesheet" href="webview.css"><style>
:root{--vscode-foreground:#ccc;--vscode-editor-background:#1e1e1e;--vscode-descriptionForeground:#9d9d9d;--vscode-focusBorder:#0078d4;
--vscode-charts-blue:#3794ff;--vscode-charts-green:#89d185;--vscode-charts-yellow:#cca700;--vscode-charts-orange:#d18616;--vscode-charts-purple:#b180d7;--vscode-charts-red:#f14c4c;
--vscode-editorWidget-background:#252526;--vscode-widget-border:#454545;--vscode-disabledForeground:#888;--vscode-font-family:sans-serif;--vscode-font-size:13px}
</style></head><body class="${bodyClass}"><div id="app"></div>
<script>window.sent=[];window.acquireVsCodeApi=()=>({postMessage:(m)=>sent.push(m),getState:()=>undefined,setState:()=>{}});</script>
<script src="webview.js"></script></body></html>`,
  );
  return `file://${file}`;
}

// Page scripts as text: the TypeScript runner would otherwise add helpers the page does not have.
/** From the message arriving to the frame after it was drawn. */
const FIRST_PAINT = `(m) => new Promise((resolve) => {
  const start = performance.now();
  window.postMessage(m, '*');
  const check = () => document.querySelector('#nodes').childElementCount > 0
    ? requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - start)))
    : setTimeout(check, 0);
  check();
})`;
/** Handling a state change plus the style recalculation it forces: the work a frame must fit. */
const STATE_CHANGE = `({ message, id }) => {
  const start = performance.now();
  window.dispatchEvent(new MessageEvent('message', { data: message }));
  void getComputedStyle(document.querySelector('[data-id="' + id + '"] .bar')).fill;
  return performance.now() - start;
}`;

/**
 * Frame times while the person pans or zooms, from requestAnimationFrame: one wheel event a frame (as a
 * trackpad or a dragging mouse delivers them), handled inside the frame, so each frame's time is the
 * whole cost of moving the picture once. Events go to the svg (they bubble). Shift+wheel pans, wheel zooms about the centre; the direction
 * turns every 30 frames.
 */
const GESTURE = `({ frames, kind }) => new Promise((resolve) => {
  const svg = document.querySelector('#graph');
  const r = document.querySelector('#stage').getBoundingClientRect();
  const times = [];
  let last;
  let i = 0;
  const tick = (t) => {
    if (last !== undefined) times.push(t - last);
    last = t;
    if (i++ === frames) return resolve(times);
    const sign = Math.floor(i / 30) % 2 ? -1 : 1;
    svg.dispatchEvent(new WheelEvent('wheel', { deltaY: (kind === 'pan' ? 25 : 40) * sign, shiftKey: kind === 'pan',
      clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true }));
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})`;
/** Zooms out by wheel until the whole plan is in view (about 6%). */
const ZOOM_OUT = `() => {
  const svg = document.querySelector('#graph');
  const r = document.querySelector('#stage').getBoundingClientRect();
  for (let i = 0; i < 30; i++) svg.dispatchEvent(new WheelEvent('wheel', { deltaY: 100, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true }));
}`;

/** Pan and zoom on the page's graph (drawn, at its first view); the goal is 60 frames a second. */
export async function panZoomFrames(page: Page, n: number): Promise<Array<[string, number, string]>> {
  const rows: Array<[string, number, string]> = [];
  const frames = Number(process.env.BENCH_FRAMES ?? 240);
  const gesture = async (label: string, kind: 'pan' | 'zoom') => {
    const times: number[] = await page.evaluate(`(${GESTURE})(${JSON.stringify({ frames, kind })})`);
    const fps = (1000 * times.length) / times.reduce((a, b) => a + b, 0);
    rows.push(withLoad([`${n} tasks: ${label}, frame time`, median(times), `p95 ${percentile(times, 95).toFixed(1)} ms, ${fps.toFixed(0)} fps over ${times.length} frames (goal: 16.7 ms, 60 fps)`]));
  };
  await page.waitForTimeout(500);
  await gesture('pan at 60% zoom', 'pan');
  await gesture('zoom 60% to 10% and back', 'zoom');
  await page.evaluate(`(${ZOOM_OUT})()`);
  await page.waitForTimeout(500);
  await gesture('pan with the whole plan in view', 'pan');
  return rows;
}

export async function runGraphBench(cli: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-graph-bench-'));
  console.log(`\nPlan graph (the same generated plans as above, cut to size); median of ${RUNS} runs\n`);
  const rows: Array<[string, number, string]> = [];
  const views = new Map<number, ReturnType<typeof buildGraphView>>();
  for (const n of [1000, 3000]) {
    const p = planOf(n);
    const input = { ids: p.plan.tasks.map((t) => t.id), deps: p.plan.tasks.map((t) => t.deps), stageOf: p.analysis.stageOf };
    rows.push(withLoad([`${n} tasks: stage layout`, median(time(() => layoutGraph(input, 'stages'), RUNS)), '']));
    rows.push(withLoad([`${n} tasks: graph view (layout + paths + text)`, median(time(() => buildGraphView(p.plan, p.analysis, p.diagnostics), RUNS)), '']));
    views.set(n, buildGraphView(p.plan, p.analysis, p.diagnostics));
    writeFileSync(join(dir, `plan-${n}.yaml`), generatePlan(n).text);
  }
  // dagre alone: the same ranks, one run each (about half a minute at 1,000 tasks without given ranks).
  for (const n of [100, 300, 1000]) {
    const p = planOf(n);
    const input = { ids: p.plan.tasks.map((t) => t.id), deps: p.plan.tasks.map((t) => t.deps), stageOf: p.analysis.stageOf };
    const runs = n >= 1000 ? 1 : RUNS;
    rows.push(withLoad([`baseline: dagre alone, ${n} tasks, ranks given`, median(time(() => layoutGraph(input, 'dagre'), runs)), runs === 1 ? 'one run' : '']));
    if (n === 300) rows.push(withLoad([`${n} tasks: stage layout`, median(time(() => layoutGraph(input, 'stages'), RUNS)), '']));
  }
  const svgProcess = timeProcess(process.execPath, [cli, 'graph', join(dir, 'plan-1000.yaml'), '--svg', join(dir, 'out.svg')], RUNS);
  rows.push(withLoad(['baton graph --svg, 1000 tasks (whole process)', median(svgProcess), 'the goal: under 1500 ms']));
  rows.push(withLoad(['baseline: node startup', median(timeProcess(process.execPath, ['-e', '0'], RUNS)), '']));

  if (!existsSync(CHROMIUM)) {
    rows.push(withLoad(['webview first paint / state change', NaN, `no Chromium at ${CHROMIUM}`]));
    table(rows);
    return;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const url = webviewPage(dir);
    for (const n of [1000, 3000]) {
      const view = views.get(n)!;
      const states = planStates(planOf(n).plan);
      const message: ToWebview = { type: 'graph', view, live: liveOf(states), trusted: true, file: 'baton.yaml' };
      const paints: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        await page.goto(url);
        // From the message arriving to the frame after it was drawn.
        paints.push(await page.evaluate(`(${FIRST_PAINT})(${JSON.stringify(message)})`));
      }
      rows.push(withLoad([`${n} tasks: webview first paint (message to frame)`, median(paints), n === 1000 ? 'goal with layout: under 1000 ms' : '']));
      const ids = [...states.keys()];
      const handled: number[] = [];
      for (let r = 0; r < RUNS * 4; r++) {
        const id = ids[(r * 97) % ids.length];
        const next = liveOf(states);
        next[id] = { state: r % 2 ? 'running' : 'review', label: 'x', activity: `step ${r}`, actions: ['openTask'] };
        // Handling plus the style recalculation the change forces: the work a frame must fit.
        handled.push(await page.evaluate(`(${STATE_CHANGE})(${JSON.stringify({ message: { type: 'live', live: next } as ToWebview, id })})`));
      }
      rows.push(withLoad([`${n} tasks: state change repainted (handled + styled)`, median(handled), n === 1000 ? 'goal: under 16 ms' : '']));
      if (n === 3000) rows.push(...(await panZoomFrames(page, n)));
    }
  } finally {
    await browser.close();
  }
  table(rows);
  const layout1000 = rows.find((r) => r[0].startsWith('1000 tasks: graph view'))![1];
  const paint1000 = rows.find((r) => r[0].startsWith('1000 tasks: webview first paint'))![1];
  console.log(`\n1000 tasks laid out and first painted: ${(layout1000 + paint1000).toFixed(0)} ms (goal: under 1000 ms)`);
}
