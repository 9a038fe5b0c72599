import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../src/core/graph/schedule';
import { parsePlan } from '../../src/core/plan/parse';
import { tasksToStart } from '../../src/core/run/scheduler';
import type { TaskState } from '../../src/core/run/states';

function plan(tasks: Array<{ id: string; deps?: string[]; estimate: string }>) {
  const body = tasks
    .map((t) => `  - id: ${t.id}\n    title: ${t.id}\n    deps: ${JSON.stringify(t.deps ?? [])}\n    estimate: ${t.estimate}\n`)
    .join('');
  const parsed = parsePlan(`version: 1\ntasks:\n${body}`, 'baton.yaml');
  assert.deepEqual(parsed.diagnostics, []);
  return parsed.plan;
}

describe('simulated scheduling', () => {
  it('runs the seed example in its critical path with two workers', () => {
    const seed = parsePlan(readFileSync(join(__dirname, 'fixtures/seed.yaml'), 'utf8'), 'baton.yaml').plan;
    const s = simulate(seed, 2);
    assert.equal(s.makespanHours, 7.5);
    assert.equal(s.lowerBoundHours, 7.5);
    assert.deepEqual(s.schedule, [
      { task: 'phase-1', worker: 1, start: 0, end: 2 },
      { task: 'phase-2b', worker: 1, start: 2, end: 6 },
      { task: 'phase-2a', worker: 2, start: 2, end: 5 },
      { task: 'phase-3', worker: 1, start: 6, end: 7.5 },
    ]);
    const one = simulate(seed, 1);
    assert.equal(one.makespanHours, 10.5, 'one worker does all the work in sequence');
    assert.equal(one.lowerBoundHours, 10.5);
  });

  it('feeds the ready queue as dependencies finish, beating stage-by-stage', () => {
    // a1 (1h) unblocks b1 (5h) long before a2 (5h) is done: a stage barrier would wait for a2.
    const p = plan([
      { id: 'a1', estimate: '1h' },
      { id: 'a2', estimate: '5h' },
      { id: 'b1', deps: ['a1'], estimate: '5h' },
      { id: 'b2', deps: ['a2'], estimate: '1h' },
    ]);
    const s = simulate(p, 2);
    assert.equal(s.makespanHours, 6);
    assert.equal(s.stageBarrierHours, 10);
    assert.equal(s.lowerBoundHours, 6);
    const b1 = s.schedule.find((x) => x.task === 'b1')!;
    assert.equal(b1.start, 1, 'b1 starts the moment a1 is done');
  });

  it('starts the task with the longest remaining path first', () => {
    const p = plan([
      { id: 'short', estimate: '1h' },
      { id: 'head', estimate: '1h' },
      { id: 'tail', deps: ['head'], estimate: '4h' },
    ]);
    const s = simulate(p, 1);
    assert.equal(s.schedule[0].task, 'head', 'head leads a 5h path, short only 1h');
    assert.equal(s.makespanHours, 6);
  });

  it('never runs more tasks at once than there are workers, and respects dependencies', () => {
    const tasks = Array.from({ length: 40 }, (_, i) => ({
      id: `t${i}`,
      deps: i >= 4 ? [`t${i - 4}`, `t${(i * 7) % i}`] : [],
      estimate: `${1 + (i % 3)}h`,
    }));
    const p = plan(tasks);
    for (const k of [1, 3, 8]) {
      const s = simulate(p, k);
      const byTask = new Map(s.schedule.map((x) => [x.task, x]));
      assert.equal(byTask.size, 40);
      for (const t of p.tasks) for (const d of t.deps) assert.ok(byTask.get(d)!.end <= byTask.get(t.id)!.start, `${d} before ${t.id}`);
      for (const x of s.schedule) {
        const overlapping = s.schedule.filter((y) => y.start <= x.start && y.end > x.start);
        assert.ok(overlapping.length <= k, `at most ${k} at ${x.start}`);
        assert.ok(x.worker >= 1 && x.worker <= k);
      }
      assert.ok(s.makespanHours >= s.lowerBoundHours);
      assert.ok(s.makespanHours <= s.stageBarrierHours);
    }
  });

  it('refuses a worker count below one', () => {
    assert.throws(() => simulate(plan([{ id: 'a', estimate: '1h' }]), 0), /at least 1/);
  });
});

describe('live scheduling (what Start Ready Tasks and auto-start pick)', () => {
  it('counts a live worker whose task is no longer in the plan against the limit', () => {
    const p = plan([{ id: 'a', estimate: '1h' }, { id: 'b', estimate: '1h' }, { id: 'c', estimate: '1h' }]);
    const states = new Map<string, TaskState>([['a', 'ready'], ['b', 'ready'], ['c', 'ready']]);
    assert.deepEqual(tasksToStart(p, states, 2), ['a', 'b']);
    // `api-s` was started from a half-typed id and still runs: one slot left, not two.
    assert.deepEqual(tasksToStart(p, states, 2, undefined, 1), ['a']);
    assert.deepEqual(tasksToStart(p, states, 2, undefined, 2), []);
  });
});
