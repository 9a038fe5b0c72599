import { strict as assert } from 'node:assert';
import { analyzePlan } from '../../src/core/graph/analysis';
import { conflictWarnings } from '../../src/core/graph/conflicts';
import { compileGlob, globsOverlap } from '../../src/core/graph/globOverlap';
import { parsePlan } from '../../src/core/plan/parse';

type T = { id: string; deps?: string[]; files?: string[]; estimate?: string };

function analyze(tasks: T[]) {
  const body = tasks
    .map(
      (t) =>
        `  - id: ${t.id}\n    title: ${t.id}\n    deps: ${JSON.stringify(t.deps ?? [])}\n` +
        `    files: ${JSON.stringify(t.files ?? [])}\n    estimate: ${t.estimate ?? '1h'}\n`,
    )
    .join('');
  const parsed = parsePlan(`version: 1\ntasks:\n${body}`, 'baton.yaml');
  return { ...analyzePlan(parsed.plan), diagnostics: parsed.diagnostics };
}

describe('plan analysis', () => {
  it('orders tasks topologically, ties in plan order', () => {
    const a = analyze([{ id: 'c', deps: ['b'] }, { id: 'a' }, { id: 'b' }, { id: 'd', deps: ['a'] }]);
    assert.deepEqual(a.order, ['a', 'b', 'c', 'd']);
  });

  it('puts each task one stage after its deepest dependency', () => {
    const a = analyze([{ id: 'a' }, { id: 'b', deps: ['a'] }, { id: 'c', deps: ['b'] }, { id: 'd', deps: ['a', 'c'] }, { id: 'e' }]);
    assert.deepEqual(a.stages, [['a', 'e'], ['b'], ['c'], ['d']]);
    assert.equal(a.stageOf.get('d'), 3);
    assert.equal(a.maxParallelism, 2);
  });

  it('finds the critical path by estimate, not by task count', () => {
    const a = analyze([
      { id: 'start', estimate: '1h' },
      { id: 'short1', deps: ['start'], estimate: '1h' },
      { id: 'short2', deps: ['short1'], estimate: '1h' },
      { id: 'long', deps: ['start'], estimate: '1d' },
      { id: 'end', deps: ['short2', 'long'], estimate: '30m' },
    ]);
    assert.deepEqual(a.criticalPath, { tasks: ['start', 'long', 'end'], hours: 9.5 });
    assert.equal(a.totalHours, 11.5);
  });

  it('leaves tasks on a cycle out of the order but analyses the rest', () => {
    const a = analyze([{ id: 'ok' }, { id: 'x', deps: ['y'] }, { id: 'y', deps: ['x'] }, { id: 'after', deps: ['x'] }]);
    assert.deepEqual(a.order, ['ok']);
    assert.ok(a.diagnostics.some((d) => d.code === 'cycle'));
  });

  describe('file conflicts', () => {
    it('groups conflicts under the contested pattern, with the narrower entries that meet it and a fix', () => {
      const a = analyze([
        { id: 'setup' },
        { id: 'form', deps: ['setup'], files: ['src/ui/**/*.tsx', 'src/styles/**'], estimate: '3h' },
        { id: 'api', deps: ['setup'], files: ['src/api/*.ts', 'src/styles/main.css'] },
      ]);
      assert.deepEqual(a.conflicts, [
        {
          path: 'src/styles/**',
          patterns: ['src/styles/**', 'src/styles/main.css'],
          tasks: ['form', 'api'],
          listing: ['form'],
          pairs: 1,
          suggestion: { order: ['form', 'api'], deps: [{ task: 'api', dependsOn: 'form' }] },
        },
      ]);
      assert.equal(a.conflictPairs, undefined, 'pairs only on request');
    });

    it('makes one group of a file many tasks share, not a pair per two tasks', () => {
      const tasks: T[] = [];
      for (let i = 0; i < 30; i++) tasks.push({ id: `t${i}`, files: ['src/shared/db.ts', `src/t${i}.ts`] });
      const a = analyze(tasks);
      assert.equal(a.conflicts.length, 1);
      const [g] = a.conflicts;
      assert.equal(g.path, 'src/shared/db.ts');
      assert.equal(g.tasks.length, 30);
      assert.equal(g.pairs, (30 * 29) / 2);
      assert.equal(g.suggestion.deps.length, 29, '30 independent tasks need 29 dependencies to form one line');
    });

    it('suggests the fewest dependencies: it follows chains that already exist', () => {
      // a -> b and c -> d are chains already; one dependency (c after b) puts all four in one line.
      const a = analyze([
        { id: 'a', files: ['db.ts'] },
        { id: 'b', deps: ['a'], files: ['db.ts'] },
        { id: 'c', files: ['db.ts'] },
        { id: 'd', deps: ['c'], files: ['db.ts'] },
      ]);
      assert.equal(a.conflicts.length, 1);
      assert.equal(a.conflicts[0].pairs, 4);
      assert.deepEqual(a.conflicts[0].suggestion, { order: ['a', 'b', 'c', 'd'], deps: [{ task: 'c', dependsOn: 'b' }] });
    });

    it('keeps suggestions of different groups from contradicting each other: adding them all removes every conflict', () => {
      // Alone, db.ts would say "x, b, a" (a after b) and api.ts "a, b" (b after a): together, a cycle.
      const tasks: T[] = [
        { id: 'x', files: ['db.ts'] },
        { id: 'a', files: ['db.ts', 'api.ts'] },
        { id: 'b', deps: ['x'], files: ['db.ts', 'api.ts'] },
      ];
      const a = analyze(tasks);
      const deps = a.conflicts.flatMap((g) => g.suggestion.deps);
      assert.deepEqual(new Set(deps.map((d) => `${d.task}<-${d.dependsOn}`)), new Set(['a<-b']));
      const fixed = analyze(tasks.map((t) => ({ ...t, deps: [...(t.deps ?? []), ...deps.filter((d) => d.task === t.id).map((d) => d.dependsOn)] })));
      assert.deepEqual(fixed.diagnostics, []);
      assert.deepEqual(fixed.conflicts, []);
    });

    it('suggestions for a generated plan can all be added at once, and then nothing conflicts', () => {
      let seed = 3;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const tasks: T[] = [];
      for (let i = 0; i < 120; i++) {
        const deps = i > 0 && random() < 0.6 ? [`t${i - 1 - Math.floor(random() * Math.min(i, 10))}`] : [];
        tasks.push({ id: `t${i}`, deps, files: [`src/m${Math.floor(random() * 6)}/**`, `src/shared/f${Math.floor(random() * 4)}.ts`] });
      }
      const a = analyze(tasks);
      assert.ok(a.conflicts.length > 5);
      const add = new Map<string, string[]>();
      for (const d of a.conflicts.flatMap((g) => g.suggestion.deps)) add.set(d.task, [...(add.get(d.task) ?? []), d.dependsOn]);
      const fixed = analyze(tasks.map((t) => ({ ...t, deps: [...new Set([...(t.deps ?? []), ...(add.get(t.id) ?? [])])] })));
      assert.deepEqual(fixed.diagnostics, [], 'no cycle');
      assert.deepEqual(fixed.conflicts, []);
    });

    it('leaves out of a group the tasks already ordered with every other one', () => {
      const a = analyze([
        { id: 'x', files: ['db.ts'] },
        { id: 'y', files: ['db.ts'] },
        { id: 'after', deps: ['x', 'y'], files: ['db.ts'] },
      ]);
      assert.deepEqual(a.conflicts.map((g) => [g.path, g.tasks, g.pairs]), [['db.ts', ['x', 'y'], 1]]);
    });

    it('does not count two narrower entries under one glob against each other', () => {
      const a = analyze([
        { id: 'wide', files: ['src/**'] },
        { id: 'one', files: ['src/one.ts'] },
        { id: 'two', files: ['src/two.ts'] },
      ]);
      assert.deepEqual(a.conflicts.map((g) => [g.path, g.tasks, g.listing, g.pairs]), [['src/**', ['wide', 'one', 'two'], ['wide'], 2]]);
    });

    it('checks tasks in different stages too, when neither depends on the other', () => {
      const a = analyze([
        { id: 'a', files: ['docs/**'] },
        { id: 'b', deps: ['a'] },
        { id: 'c', deps: ['b'], files: ['src/x.ts'] },
        { id: 'd', files: ['src/**/*.ts'] },
      ]);
      assert.deepEqual(a.conflicts.map((c) => c.tasks), [['c', 'd']]);
      assert.notEqual(a.stageOf.get('c'), a.stageOf.get('d'));
    });

    it('does not flag tasks ordered through other tasks', () => {
      const a = analyze([
        { id: 'a', files: ['src/**'] },
        { id: 'b', deps: ['a'] },
        { id: 'c', deps: ['b'], files: ['src/index.ts'] },
      ]);
      assert.deepEqual(a.conflicts, []);
    });

    it('knows two spellings of one path are one path', () => {
      const a = analyze([
        { id: 'a', files: ['src/a.ts'] },
        { id: 'b', files: ['./src/a.ts'] },
      ]);
      assert.deepEqual(a.conflicts.map((g) => [g.tasks, g.pairs]), [[['a', 'b'], 1]]);
    });

    it('does not flag globs that cannot meet', () => {
      const a = analyze([
        { id: 'a', files: ['src/**/*.ts'] },
        { id: 'b', files: ['src/**/*.tsx', 'docs/*.md'] },
        { id: 'c', files: ['test/**'] },
      ]);
      assert.deepEqual(a.conflicts, []);
    });

    it('counts pairs the same way in large groups (bit rows) as in small ones', () => {
      // 700 tasks in ten chains of 70, all on one file: every pair across two chains may run at once.
      const tasks: T[] = [];
      for (let i = 0; i < 700; i++) tasks.push({ id: `t${i}`, deps: i % 70 === 0 ? [] : [`t${i - 1}`], files: ['db.ts'] });
      const a = analyze(tasks);
      assert.equal(a.conflicts[0].pairs, (700 * 630) / 2);
      assert.equal(a.conflicts[0].suggestion.deps.length, 9, 'ten chains need nine links');
    });

    it('lists every pair when asked', () => {
      const parsed = parsePlan(
        'version: 1\ntasks:\n' +
          ['a', 'b', 'c'].map((id) => `  - id: ${id}\n    title: ${id}\n    files: [db.ts]\n    estimate: 2h\n`).join(''),
        'baton.yaml',
      );
      const a = analyzePlan(parsed.plan, { pairs: true });
      assert.deepEqual(
        a.conflictPairs?.map((p) => [p.tasks, p.patterns, p.suggestion]),
        [
          [['a', 'b'], ['db.ts'], 'make "b" depend on "a" (adds up to 2h before it can start)'],
          [['a', 'c'], ['db.ts'], 'make "c" depend on "a" (adds up to 2h before it can start)'],
          [['b', 'c'], ['db.ts'], 'make "c" depend on "b" (adds up to 2h before it can start)'],
        ],
      );
    });
  });

  describe('glob overlap', () => {
    const cases: Array<[string, string, boolean]> = [
      ['src/a.ts', 'src/a.ts', true],
      ['src/a.ts', './src/a.ts', true],
      ['src/a.ts', 'src/b.ts', false],
      ['src/**', 'src/deep/down/file.ts', true],
      ['src/*.ts', 'src/deep/file.ts', false],
      ['src/**/*.ts', 'src/**/*.tsx', false],
      ['src/**/*.ts', '**/index.ts', true],
      ['src/*/api.ts', 'src/server/*', true],
      ['src/{ui,api}/*.ts', 'src/api/x.ts', true],
      ['src/{ui,api}/*.ts', 'src/db/x.ts', false],
      ['src/styles/', 'src/styles/main.css', true],
      ['lib/*.js', 'src/*.js', false],
      ['**', 'anything/at/all', true],
      ['src/a?.ts', 'src/ab.ts', true],
      ['src/[ab].ts', 'src/c.ts', false],
      ['src/**/test/*.ts', 'src/x/y/test/z.ts', true],
    ];
    for (const [x, y, expected] of cases) {
      it(`${x} ${expected ? 'meets' : 'does not meet'} ${y}`, () => {
        assert.equal(globsOverlap(compileGlob(x), compileGlob(y)), expected);
        assert.equal(globsOverlap(compileGlob(y), compileGlob(x)), expected, 'symmetric');
      });
    }
  });
});

describe('file conflicts as plan warnings', () => {
  it('warns at each contested files entry, naming the other task and carrying the suggested dependency', () => {
    const text = 'version: 1\ntasks:\n  - id: api\n    title: API\n    files: [src/api/**, src/shared/db.ts]\n  - id: ui\n    title: UI\n    files: [src/shared/db.ts]\n';
    const parsed = parsePlan(text, 'baton.yaml');
    const warnings = conflictWarnings(parsed.plan, analyzePlan(parsed.plan).conflicts);
    assert.deepEqual(
      warnings.map((w) => [w.code, w.severity, `${w.span.start.line}:${w.span.start.column}`, w.fix]),
      [
        ['file-conflict', 'warning', '5:25', { task: 'ui', dependsOn: 'api' }],
        ['file-conflict', 'warning', '8:13', { task: 'ui', dependsOn: 'api' }],
      ],
    );
    assert.match(warnings[1].message, /^"ui" may touch src\/shared\/db\.ts at the same time as "api": their merges may conflict\. Make "ui" depend on "api"/);
    assert.match(warnings[0].message, /^"api" may touch src\/shared\/db\.ts at the same time as "ui"/);
    assert.match(warnings[0].message, /Make "ui" depend on "api" to order them; until then Baton starts them one at a time\.$/);
    const allowed = parsePlan(text.replace('tasks:', 'defaults:\n  conflicts: allow\ntasks:'), 'baton.yaml');
    const [w] = conflictWarnings(allowed.plan, analyzePlan(allowed.plan).conflicts);
    assert.match(w.message, /\(`conflicts: allow` lets them run together\)\.?$/);
  });
});
