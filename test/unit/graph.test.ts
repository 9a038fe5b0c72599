import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePlan } from '../../bench/planBench';
import { main } from '../../src/cli/main';
import { analyzePlan } from '../../src/core/graph/analysis';
import { buildGraphView, conflictGroups } from '../../src/core/graph/graphView';
import { LayoutCache, layoutGraph, NODE_HEIGHT, NODE_WIDTH, type Engine, type GraphLayout } from '../../src/core/graph/layout';
import { renderMermaid } from '../../src/core/graph/mermaid';
import { renderSvg } from '../../src/core/graph/svg';
import { parsePlan } from '../../src/core/plan/parse';
import { planStates } from '../../src/core/run/states';
import { actionsFor } from '../../src/extension/graphActions';
import { parseFromWebview } from '../../src/graphProtocol';

const fixtures = join(__dirname, 'fixtures');

function load(text: string) {
  const parsed = parsePlan(text, 'baton.yaml');
  const analysis = analyzePlan(parsed.plan);
  const input = { ids: parsed.plan.tasks.map((t) => t.id), deps: parsed.plan.tasks.map((t) => t.deps), stageOf: analysis.stageOf };
  return { ...parsed, analysis, input };
}

function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const seed = () => load(readFileSync(join(fixtures, 'seed.yaml'), 'utf8'));
// Small enough for dagre, and large enough (with long edges) for the stage layout.
const cases: Array<[Engine, number]> = [
  ['dagre', 60],
  ['stages', 60],
  ['stages', 400],
];

function overlaps(layout: GraphLayout): string[] {
  const bad: string[] = [];
  const byColumn = new Map<number, GraphLayout['nodes']>();
  for (const n of layout.nodes) byColumn.set(n.column, [...(byColumn.get(n.column) ?? []), n]);
  for (const column of byColumn.values()) {
    const sorted = [...column].sort((a, b) => a.y - b.y);
    for (let i = 1; i < sorted.length; i++) if (sorted[i].y < sorted[i - 1].y + NODE_HEIGHT) bad.push(`${sorted[i - 1].id}/${sorted[i].id}`);
  }
  const xs = [...byColumn.entries()].sort((a, b) => a[0] - b[0]).map(([, ns]) => ns[0].x);
  for (let i = 1; i < xs.length; i++) if (xs[i] < xs[i - 1] + NODE_WIDTH) bad.push(`columns ${i - 1}/${i}`);
  return bad;
}

describe('graph layout', () => {
  for (const [engine, n] of cases) {
    describe(`${engine}, ${n} tasks`, () => {
      const plan = load(generatePlan(n, 7).text);
      const layout = layoutGraph(plan.input, engine);

      it('is deterministic', () => {
        assert.equal(layout.engine, engine);
        assert.deepEqual(layoutGraph(plan.input, engine), layout);
      });

      it("puts every task in its stage's column, columns left to right", () => {
        const xOfColumn = new Map<number, number>();
        for (const node of layout.nodes) {
          assert.equal(node.column, plan.analysis.stageOf.get(node.id), node.id);
          const x = xOfColumn.get(node.column) ?? node.x;
          assert.equal(node.x, x, `${node.id} is out of its column`);
          xOfColumn.set(node.column, x);
        }
      });

      it('has no two boxes overlapping', () => {
        assert.deepEqual(overlaps(layout), []);
      });

      it('draws every edge from a lower stage to a higher one, moving right', () => {
        const at = new Map(layout.nodes.map((node) => [node.id, node]));
        assert.equal(layout.edges.length, plan.plan.tasks.reduce((s, t) => s + t.deps.length, 0));
        for (const e of layout.edges) {
          assert.equal(e.backward, false);
          const a = at.get(e.from)!;
          const b = at.get(e.to)!;
          assert.ok(plan.analysis.stageOf.get(e.from)! < plan.analysis.stageOf.get(e.to)!, `${e.from} -> ${e.to}`);
          const xs = [a.x + NODE_WIDTH, ...e.via.map((p) => p[0]), b.x];
          for (let i = 1; i < xs.length; i++) assert.ok(xs[i] > xs[i - 1], `${e.from} -> ${e.to} turns back`);
          assert.equal(e.via.length, b.column - a.column - 1);
        }
      });
    });
  }

  it('chooses dagre for a small plan and the stage layout for a large one', () => {
    assert.equal(layoutGraph(seed().input).engine, 'dagre');
    assert.equal(layoutGraph(load(generatePlan(1000).text).input).engine, 'stages');
  });

  it('lays out a plan with a cycle: the tasks on it go to a last column, their edges are marked', () => {
    const plan = load('version: 1\ntasks:\n  - id: a\n    title: A\n  - id: b\n    title: B\n    deps: [a, c]\n  - id: c\n    title: C\n    deps: [b]\n');
    assert.ok(plan.diagnostics.some((d) => d.code === 'cycle'));
    const layout = layoutGraph(plan.input);
    assert.deepEqual(layout.nodes.map((n) => n.column), [0, 1, 1]);
    assert.deepEqual(overlaps(layout), []);
    assert.deepEqual(
      layout.edges.map((e) => [e.from, e.to, e.backward]),
      [['a', 'b', false], ['c', 'b', true], ['b', 'c', true]],
    );
    const view = buildGraphView(plan.plan, plan.analysis, plan.diagnostics);
    assert.deepEqual(view.columns.map((c) => c.label), ['Stage 1', 'No stage']);
    assert.equal(view.problems[0].code, 'cycle');
  });

  it('caches by plan shape: a new title costs no layout, a new dependency does', () => {
    const cache = new LayoutCache();
    const plan = seed();
    const first = cache.get(plan.input);
    assert.equal(cache.get({ ...plan.input, ids: [...plan.input.ids] }), first);
    const deps = plan.input.deps.map((d) => [...d]);
    deps[3] = ['phase-2a'];
    assert.notEqual(cache.get({ ...plan.input, deps }), first);
  });
});

describe('graph view', () => {
  it('marks the critical path and groups contested files', () => {
    const plan = load(
      'version: 1\ntasks:\n  - id: a\n    title: A\n    files: ["src/x.ts"]\n    estimate: 1h\n  - id: b\n    title: B\n    files: ["src/**"]\n    estimate: 3h\n  - id: c\n    title: C\n    files: ["src/x.ts"]\n  - id: d\n    title: D\n    deps: [b]\n    estimate: 1h\n',
    );
    const view = buildGraphView(plan.plan, plan.analysis, plan.diagnostics);
    assert.deepEqual(view.nodes.filter((n) => n.critical).map((n) => n.id), ['b', 'd']);
    assert.deepEqual(view.edges.map((e) => [e.from, e.to, e.critical]), [['b', 'd', true]]);
    const groups = conflictGroups(plan.plan, plan.analysis);
    assert.deepEqual(groups.map((g) => g.path), plan.analysis.conflicts.map((g) => g.path), 'the groups baton analyze reports');
    const linked = new Set(groups.flatMap((g) => g.pairs.map((p) => p.join(' '))));
    assert.deepEqual([...linked].sort(), ['a b', 'a c', 'b c'], 'every pair that may collide is linked, once a group');
    assert.equal(view.conflicts.length, groups.reduce((n, g) => n + g.pairs.length, 0));
    assert.ok(view.conflicts.every((c) => c.d.startsWith('M')));
  });
});

describe('graph export', () => {
  it('draws the seed example as the checked-in SVG', () => {
    const plan = seed();
    const svg = renderSvg(buildGraphView(plan.plan, plan.analysis, plan.diagnostics), planStates(plan.plan));
    // To accept a deliberate change: BATON_UPDATE_FIXTURES=1 npx mocha test/unit/graph.test.ts
    if (process.env.BATON_UPDATE_FIXTURES) writeFileSync(join(fixtures, 'seed.svg'), svg);
    assert.equal(svg, readFileSync(join(fixtures, 'seed.svg'), 'utf8'));
    assert.equal((svg.match(/<rect width="220"/g) ?? []).length, 4, 'four boxes');
    assert.equal((svg.match(/marker-end="url\(#arrow(-critical)?\)"/g) ?? []).length, 4, 'four arrows');
    assert.equal((svg.match(/marker-end="url\(#arrow-critical\)"/g) ?? []).length, 2, 'the critical path: phase-1 -> phase-2b -> phase-3');
    assert.match(svg, /Project setup \(phase-1\): Ready/);
    assert.doesNotMatch(svg, /<script|href=/);
  });

  it('baton graph --svg writes the same bytes every time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-graph-'));
    const plan = join(dir, 'baton.yaml');
    writeFileSync(plan, generatePlan(200).text);
    const a = run(['graph', plan, '--svg', join(dir, 'a.svg')]);
    const b = run(['graph', plan, '--svg', join(dir, 'b.svg')]);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0);
    assert.ok(readFileSync(join(dir, 'a.svg')).equals(readFileSync(join(dir, 'b.svg'))));
    assert.equal((readFileSync(join(dir, 'a.svg'), 'utf8').match(/<rect width="220"/g) ?? []).length, 200);
  });

  it('baton graph --mermaid prints a flowchart GitHub renders', () => {
    const r = run(['graph', join(fixtures, 'seed.yaml'), '--mermaid']);
    assert.equal(r.code, 0);
    assert.equal(r.out, renderMermaid(seed().plan, seed().analysis).trimEnd());
    const lines = r.out.split('\n');
    assert.equal(lines[0], 'flowchart LR');
    assert.ok(lines.includes('  t0["Project setup<br/><small>phase-1 · 2h</small>"]'));
    assert.ok(lines.includes('  t0 --> t2'));
    assert.ok(lines.includes('  class t0,t2,t3 critical'));
  });

  it('baton graph needs exactly one of --svg and --mermaid, and says so', () => {
    const r = run(['graph', join(fixtures, 'seed.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--svg FILE .* or --mermaid/);
  });

  it('baton graph of a plan with errors still draws it, lists the errors and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-graph-'));
    const plan = join(dir, 'baton.yaml');
    writeFileSync(plan, 'version: 1\ntasks:\n  - id: a\n    title: A\n    deps: [zz]\n');
    const r = run(['graph', plan, '--mermaid']);
    assert.equal(r.code, 1);
    assert.match(r.err, /unknown-dependency/);
    assert.match(r.out, /t0\["A/);
  });
});

describe('graph protocol', () => {
  it('accepts exactly the messages the webview may send', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseFromWebview({ type: 'select', id: 'phase-1' }), { type: 'select', id: 'phase-1' });
    assert.deepEqual(parseFromWebview({ type: 'open', id: 'phase-1' }), { type: 'open', id: 'phase-1' });
    assert.deepEqual(parseFromWebview({ type: 'action', action: 'startWorker', id: 'a' }), { type: 'action', action: 'startWorker', id: 'a' });
    assert.deepEqual(parseFromWebview({ type: 'openProblem', line: 3, column: 1 }), { type: 'openProblem', line: 3, column: 1 });
  });

  it('rejects unknown and malformed messages', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'ready',
      42,
      [],
      {},
      { type: 'graph' },
      { type: 'runShell', command: 'rm -rf /' },
      { type: 'ready', extra: 1 },
      { type: 'select' },
      { type: 'select', id: '' },
      { type: 'select', id: 7 },
      { type: 'select', id: 'x'.repeat(201) },
      { type: 'open', id: ['a'] },
      { type: 'action', action: 'deleteEverything', id: 'a' },
      { type: 'action', action: 'toString', id: 'a' },
      { type: 'action', action: 'startWorker' },
      { type: 'action', action: 'startWorker', id: 'a', command: 'x' },
      { type: 'openProblem', line: 0, column: 1 },
      { type: 'openProblem', line: 1.5, column: 1 },
      { type: 'openProblem', line: '3', column: 1 },
      { type: '__proto__' },
    ];
    for (const message of bad) assert.equal(parseFromWebview(message), undefined, JSON.stringify(message));
  });
});

describe('graph context menu', () => {
  it('offers what the trees offer for each state', () => {
    assert.deepEqual(actionsFor('ready', false, true), ['openTask', 'startWorker']);
    assert.deepEqual(actionsFor('blocked', false, true), ['openTask']);
    assert.deepEqual(actionsFor('running', true, true), ['openTask', 'showWorkerTerminal', 'stopWorker', 'openWorktree', 'revealWorktree']);
    assert.deepEqual(actionsFor('waiting_input', true, true), ['openTask', 'showWorkerTerminal', 'replyToWorker', 'stopWorker', 'openWorktree', 'revealWorktree']);
    assert.deepEqual(actionsFor('failed', true, true), ['openTask', 'showWorkerTerminal', 'restartWorker', 'runGates', 'approveTask', 'openWorktree', 'revealWorktree', 'discardTask']);
    assert.deepEqual(actionsFor('review', true, true), [
      'openTask',
      'showWorkerTerminal',
      'restartWorker',
      'reviewTask',
      'requestChanges',
      'runGates',
      'approveTask',
      'openWorktree',
      'revealWorktree',
      'discardTask',
    ]);
    assert.deepEqual(actionsFor('conflict', true, true), [
      'openTask',
      'showWorkerTerminal',
      'restartWorker',
      'runGates',
      'approveTask',
      'askWorkerToRebase',
      'resolveConflict',
      'openWorktree',
      'revealWorktree',
      'discardTask',
    ]);
  });

  it('hides every action that runs something in Restricted Mode', () => {
    assert.deepEqual(actionsFor('ready', false, false), ['openTask']);
    assert.deepEqual(actionsFor('waiting_input', true, false), ['openTask', 'showWorkerTerminal', 'openWorktree', 'revealWorktree']);
    assert.deepEqual(actionsFor('failed', true, false), ['openTask', 'showWorkerTerminal', 'openWorktree', 'revealWorktree']);
    assert.deepEqual(actionsFor('review', true, false), ['openTask', 'showWorkerTerminal', 'reviewTask', 'openWorktree', 'revealWorktree']);
  });
});
