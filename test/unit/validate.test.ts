import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { parsePlan } from '../../src/core/plan/parse';
import { branchNameProblem } from '../../src/core/plan/refNames';

/**
 * What git itself says: the rule the plan checks must agree with. Asked outside any repository: inside
 * one, git expands "@{-1}" to the branch checked out before, so the answer would depend on its history.
 */
const gitAcceptsBranch = (name: string) => spawnSync('git', ['check-ref-format', '--branch', name], { encoding: 'utf8', cwd: os.tmpdir() }).status === 0;

function yaml(tasks: Array<{ id: string; deps?: string[]; title?: string }>) {
  const body = tasks
    .map((t) => `  - id: ${JSON.stringify(t.id)}\n    title: ${JSON.stringify(t.title ?? t.id)}\n    deps: ${JSON.stringify(t.deps ?? [])}\n`)
    .join('');
  return parsePlan(`version: 1\ntasks:\n${body}`, 'baton.yaml');
}

describe('plan validation', () => {
  it('refuses hostile ids before they can reach a branch, a path or a terminal', () => {
    const hostile = ['../x', '$(touch pwned)', 'a b', 'line\nbreak', '-rf', 'UPPER', '`id`', 'a;rm -rf /', 'x'.repeat(65), ''];
    const { plan, diagnostics } = yaml([...hostile.map((id) => ({ id })), { id: 'ok.task_1-2' }]);
    assert.deepEqual(plan.tasks.map((t) => t.id), ['ok.task_1-2'], 'only the valid id survives');
    const invalid = diagnostics.filter((d) => d.code === 'invalid-id');
    assert.equal(invalid.length, hostile.length - 1, 'the empty id is a wrong-type error instead');
    assert.ok(diagnostics.some((d) => d.code === 'wrong-type'), 'an empty id is reported');
    assert.match(invalid[0].message, /"\.\.\/x" is not allowed.*e\.g\. "x"/);
    assert.match(invalid[3].message, /"line\\nbreak"/, 'a newline is shown escaped, not printed raw');
  });

  it('refuses every id git would refuse as a branch, with a position, before Start Worker', () => {
    const gitRefuses = ['a..b', 'x.lock', 'trailing.', 'v1.lock', 'a.b..c'];
    for (const id of gitRefuses) assert.equal(gitAcceptsBranch(`baton/${id}`), false, `git refuses baton/${id}`);
    const { plan, diagnostics } = yaml([...gitRefuses.map((id) => ({ id })), { id: 'a.b' }, { id: 'lock' }, { id: 'x.locks' }]);
    assert.deepEqual(plan.tasks.map((t) => t.id), ['a.b', 'lock', 'x.locks']);
    const invalid = diagnostics.filter((d) => d.code === 'invalid-id');
    assert.equal(invalid.length, gitRefuses.length);
    assert.ok(invalid.every((d) => d.span.start.line > 0), 'each at its task');
    assert.match(invalid[0].message, /without "\.\."/);
    assert.match(invalid[1].message, /e\.g\. "x"/);
    for (const id of ['a.b', 'lock', 'x.locks']) assert.equal(gitAcceptsBranch(`baton/${id}`), true, `git accepts baton/${id}`);
  });

  it('refuses a base that git would read as an option or refuse as a branch, at the value', () => {
    const hostile = ['--output=CANARY', '-b', 'a..b', 'x.lock', 'with space', 'ends.', 'a:b', 'a~1', '@{-1}', '.hidden', 'a//b', 'a/'];
    for (const base of hostile) {
      assert.equal(gitAcceptsBranch(base), false, `git refuses ${base}`);
      assert.ok(branchNameProblem(base), `Baton refuses ${base}`);
      const { plan, diagnostics } = parsePlan(`version: 1\nbase: ${JSON.stringify(base)}\ntasks:\n  - {id: a, title: A}\n`, 'baton.yaml');
      const problem = diagnostics.find((d) => d.code === 'invalid-base');
      assert.ok(problem, `${base}: ${JSON.stringify(diagnostics)}`);
      assert.equal(problem.severity, 'error');
      assert.deepEqual(problem.span.start, { line: 2, column: 7 });
      assert.notEqual(plan.base, base, 'the hostile value is not kept as the base');
    }
    for (const base of ['main', 'release/2.0', 'feature/a-b_c', 'v1.2']) {
      assert.equal(gitAcceptsBranch(base), true);
      assert.equal(branchNameProblem(base), undefined, base);
      assert.equal(parsePlan(`version: 1\nbase: ${base}\ntasks:\n  - {id: a, title: A}\n`, 'baton.yaml').plan.base, base);
    }
  });

  it('reports duplicate ids with the line of the first', () => {
    const { plan, diagnostics } = yaml([{ id: 'a' }, { id: 'b' }, { id: 'a' }]);
    assert.deepEqual(plan.tasks.map((t) => t.id), ['a', 'b']);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].code, 'duplicate-id');
    assert.equal(diagnostics[0].span.start.line, 9);
    assert.match(diagnostics[0].message, /already used by the task at line 3/);
  });

  it('names the closest ids for an unknown dependency, at the dependency', () => {
    const { plan, diagnostics } = yaml([{ id: 'ui-form' }, { id: 'ui-farm' }, { id: 'api', deps: ['ui-from', 'zzz'] }]);
    assert.equal(diagnostics.length, 2);
    assert.equal(diagnostics[0].code, 'unknown-dependency');
    assert.deepEqual(diagnostics[0].span.start, { line: 11, column: 12 });
    assert.match(diagnostics[0].message, /depends on "ui-from", which is not a task.*Did you mean "ui-farm" or "ui-form"\?/);
    assert.match(diagnostics[1].message, /"zzz".*Check the spelling, or add a task/);
    assert.deepEqual(plan.tasks[2].deps, [], 'unknown dependencies are dropped for analysis');
  });

  it('reports a task that depends on itself', () => {
    const { diagnostics } = yaml([{ id: 'a', deps: ['a'] }]);
    assert.deepEqual(diagnostics.map((d) => d.code), ['self-dependency']);
    assert.match(diagnostics[0].message, /Task "a" depends on itself/);
  });

  it('reports every cycle with its path', () => {
    const { diagnostics } = yaml([
      { id: 'a', deps: ['c'] },
      { id: 'b', deps: ['a'] },
      { id: 'c', deps: ['b'] },
      { id: 'd' },
      { id: 'x', deps: ['y', 'd'] },
      { id: 'y', deps: ['x'] },
    ]);
    const cycles = diagnostics.filter((d) => d.code === 'cycle').map((d) => d.message);
    assert.equal(cycles.length, 2);
    assert.match(cycles[0], /Dependency cycle: a -> c -> b -> a\./);
    assert.match(cycles[1], /Dependency cycle: x -> y -> x\./);
    assert.equal(diagnostics.find((d) => d.code === 'cycle')!.span.start.line, 5, 'at the dependency that starts the cycle');
  });

  it('handles a 5,000-task dependency chain without overflowing the stack', () => {
    const n = 5000;
    const tasks = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, deps: [`t${(i + 1) % n}`] }));
    const { diagnostics } = yaml(tasks);
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0].message, /^Dependency cycle: t0 -> t1 -> t2 -> .* -> t4999 -> t0\./);
  });
});
