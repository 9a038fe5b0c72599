import { strict as assert } from 'node:assert';
import { analyzePlan } from '../../src/core/graph/analysis';
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
    it('flags tasks that can run at the same time and touch the same files, with a suggestion', () => {
      const a = analyze([
        { id: 'setup' },
        { id: 'form', deps: ['setup'], files: ['src/ui/**/*.tsx', 'src/styles/**'], estimate: '3h' },
        { id: 'api', deps: ['setup'], files: ['src/api/*.ts', 'src/styles/main.css'] },
      ]);
      assert.deepEqual(a.conflicts, [
        {
          tasks: ['form', 'api'],
          patterns: ['src/styles/**', 'src/styles/main.css'],
          suggestion: 'make "api" depend on "form" (adds up to 3h before it can start)',
        },
      ]);
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

    it('does not flag globs that cannot meet', () => {
      const a = analyze([
        { id: 'a', files: ['src/**/*.ts'] },
        { id: 'b', files: ['src/**/*.tsx', 'docs/*.md'] },
        { id: 'c', files: ['test/**'] },
      ]);
      assert.deepEqual(a.conflicts, []);
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
