import { strict as assert } from 'node:assert';
import { simulate } from '../../src/core/graph/schedule';
import type { Plan } from '../../src/core/plan/model';
import { parsePlan } from '../../src/core/plan/parse';
import { conflictHolds, holdText, tasksToStart } from '../../src/core/run/scheduler';
import type { TaskState } from '../../src/core/run/states';

type T = { id: string; deps?: string[]; files?: string[]; estimate?: string; conflicts?: string };

function plan(tasks: T[], defaults = ''): Plan {
  const body = tasks
    .map(
      (t) =>
        `  - id: ${t.id}\n    title: ${t.id}\n    deps: ${JSON.stringify(t.deps ?? [])}\n    files: ${JSON.stringify(t.files ?? [])}\n` +
        `    estimate: ${t.estimate ?? '1h'}\n${t.conflicts ? `    conflicts: ${t.conflicts}\n` : ''}`,
    )
    .join('');
  const parsed = parsePlan(`version: 1\n${defaults}tasks:\n${body}`, 'baton.yaml');
  assert.deepEqual(parsed.diagnostics, []);
  return parsed.plan;
}

const states = (entries: Record<string, TaskState>) => new Map(Object.entries(entries));

/** Runs the live scheduler on a virtual clock: each started task finishes `hours` later. */
function run(p: Plan, workers: number): Array<{ task: string; start: number }> {
  const st = new Map<string, TaskState>(p.tasks.map((t) => [t.id, t.deps.length ? 'blocked' : 'ready']));
  const ends = new Map<string, number>();
  const started: Array<{ task: string; start: number }> = [];
  let now = 0;
  for (let guard = 0; guard < 1000; guard++) {
    for (const id of tasksToStart(p, st, workers)) {
      st.set(id, 'running');
      ends.set(id, now + p.tasks.find((t) => t.id === id)!.hours);
      started.push({ task: id, start: now });
    }
    if (ends.size === 0) break;
    now = Math.min(...ends.values());
    for (const [id, end] of [...ends]) {
      if (end !== now) continue;
      ends.delete(id);
      st.set(id, 'approved');
    }
    for (const t of p.tasks) if (st.get(t.id) === 'blocked' && t.deps.every((d) => st.get(d) === 'approved')) st.set(t.id, 'ready');
  }
  return started;
}

describe('conflict-aware scheduling', () => {
  const pair = [
    { id: 'api', files: ['src/shared/db.ts'], estimate: '2h' },
    { id: 'ui', files: ['src/shared/db.ts', 'src/ui/**'] },
  ];

  it('starts two conflicting ready tasks one after the other under serialize (the default)', () => {
    const p = plan(pair);
    assert.deepEqual(tasksToStart(p, states({ api: 'ready', ui: 'ready' }), 2), ['api']);
    assert.deepEqual(tasksToStart(p, states({ api: 'running', ui: 'ready' }), 2), []);
    assert.deepEqual(tasksToStart(p, states({ api: 'review', ui: 'ready' }), 2), ['ui']);
    assert.deepEqual(run(p, 2), [
      { task: 'api', start: 0 },
      { task: 'ui', start: 2 },
    ]);
  });

  it('starts them together under allow, in the plan defaults or on either task', () => {
    assert.deepEqual(tasksToStart(plan(pair, 'defaults:\n  conflicts: allow\n'), states({ api: 'ready', ui: 'ready' }), 2), ['api', 'ui']);
    assert.deepEqual(tasksToStart(plan([pair[0], { ...pair[1], conflicts: 'allow' }]), states({ api: 'ready', ui: 'ready' }), 2), ['api', 'ui']);
    assert.deepEqual(
      tasksToStart(plan([{ ...pair[0], conflicts: 'serialize' }, pair[1]], 'defaults:\n  conflicts: allow\n'), states({ api: 'ready', ui: 'ready' }), 2),
      ['api', 'ui'],
      'a pair is kept apart only when both say serialize',
    );
  });

  it('says why a ready task waits', () => {
    const p = plan(pair);
    const holds = conflictHolds(p, states({ api: 'running', ui: 'ready' }));
    assert.deepEqual([...holds].map(([id, h]) => [id, holdText(h)]), [['ui', 'waits for api: both touch src/shared/db.ts']]);
    assert.equal(conflictHolds(p, states({ api: 'ready', ui: 'ready' })).size, 0, 'nothing live: nothing holds');
  });

  it('gives the free worker to the next ready task rather than waiting', () => {
    const p = plan([...pair, { id: 'docs', files: ['docs/**'] }]);
    assert.deepEqual(tasksToStart(p, states({ api: 'running', ui: 'ready', docs: 'ready' }), 3), ['docs']);
  });

  it('a conflict cycle cannot block a run: every task starts, one at a time on the shared file', () => {
    // a, b, c all touch db.ts (every pair conflicts, a "cycle" of conflicts), and each touches another's folder too.
    const p = plan([
      { id: 'a', files: ['db.ts', 'src/b/**'] },
      { id: 'b', files: ['db.ts', 'src/c/**'] },
      { id: 'c', files: ['db.ts', 'src/a/**'] },
      { id: 'd', deps: ['a'], files: ['src/a/x.ts'] },
    ]);
    const started = run(p, 3);
    assert.deepEqual(started.map((s) => s.task).sort(), ['a', 'b', 'c', 'd']);
    assert.deepEqual(new Set(started.filter((s) => s.task !== 'd').map((s) => s.start)).size, 3, 'a, b and c never run together');
  });

  it('with nothing live, some ready task always starts, whatever the conflicts', () => {
    const tasks: T[] = [];
    for (let i = 0; i < 20; i++) tasks.push({ id: `t${i}`, files: ['db.ts', `src/t${(i + 1) % 20}/**`, `src/t${i}/x.ts`] });
    const p = plan(tasks);
    assert.equal(tasksToStart(p, new Map(p.tasks.map((t) => [t.id, 'ready' as TaskState])), 4).length, 1);
    assert.equal(run(p, 4).length, 20);
  });
});

describe('simulate with conflict locks', () => {
  it('reports the makespan with the plan policy and without the locks', () => {
    const p = plan([
      { id: 'api', files: ['src/shared/db.ts'], estimate: '2h' },
      { id: 'ui', files: ['src/shared/db.ts'], estimate: '3h' },
      { id: 'docs', estimate: '1h' },
    ]);
    const s = simulate(p, 3);
    assert.equal(s.makespanHours, 5, 'ui waits for api');
    assert.equal(s.makespanWithoutConflictLocksHours, 3);
    assert.equal(s.heldByConflicts, 1);
    assert.deepEqual(
      s.schedule.map((x) => [x.task, x.start, x.end]),
      [
        ['ui', 0, 3],
        ['docs', 0, 1],
        ['api', 3, 5],
      ],
    );
  });

  it('models allow the same way the live scheduler does', () => {
    const p = plan(
      [
        { id: 'api', files: ['src/shared/db.ts'], estimate: '2h' },
        { id: 'ui', files: ['src/shared/db.ts'], estimate: '3h' },
      ],
      'defaults:\n  conflicts: allow\n',
    );
    const s = simulate(p, 2);
    assert.equal(s.makespanHours, 3);
    assert.equal(s.makespanWithoutConflictLocksHours, 3);
    assert.equal(s.heldByConflicts, 0);
  });
});
