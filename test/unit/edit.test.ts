import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendTask } from '../../src/core/plan/edit';
import { parsePlan } from '../../src/core/plan/parse';

const seed = readFileSync(join(__dirname, 'fixtures/seed.yaml'), 'utf8');

describe('Add Task (appendTask)', () => {
  it('appends the task and keeps every existing byte, comments included', () => {
    const out = appendTask(seed, {
      id: 'docs',
      title: 'Write the docs',
      deps: ['phase-3'],
      files: ['docs/**'],
      estimate: '1h',
      description: 'Explain the form.\nWith an example.',
    });
    assert.ok(out.startsWith(seed), 'the original text is untouched');
    assert.match(out, /# The seed example/);
    assert.match(out, /estimate: 4h {3}# the long one/);
    const added = out.slice(seed.length);
    assert.equal(
      added,
      '\n  - id: docs\n    title: Write the docs\n    description: |-\n      Explain the form.\n      With an example.\n' +
        '    deps: [ phase-3 ]\n    files: [ docs/** ]\n    estimate: 1h\n',
      'same indentation as the other tasks, a blank line before it as the file has between tasks',
    );
    const p = parsePlan(out, 'baton.yaml');
    assert.deepEqual(p.diagnostics, []);
    assert.deepEqual(p.plan.tasks.at(-1)!.deps, ['phase-3']);
  });

  it('keeps text that follows the task list', () => {
    const text = 'version: 1\ntasks:\n- id: a\n  title: A\n# trailing notes\n';
    const out = appendTask(text, { id: 'b', title: 'B' });
    assert.equal(out, 'version: 1\ntasks:\n- id: a\n  title: A\n- id: b\n  title: B\n  deps: []\n# trailing notes\n');
  });

  it('creates the list when the plan has no tasks yet', () => {
    const out = appendTask('# my plan\nversion: 1\nname: x\n', { id: 'first', title: 'First' });
    assert.match(out, /^# my plan\n/);
    const p = parsePlan(out, 'baton.yaml');
    assert.deepEqual(p.diagnostics, []);
    assert.deepEqual(p.plan.tasks.map((t) => t.id), ['first']);
  });

  it('refuses a duplicate id, a bad id, an empty title and a broken plan, saying why', () => {
    assert.throws(() => appendTask(seed, { id: 'phase-1', title: 'again' }), /already exists/);
    assert.throws(() => appendTask(seed, { id: '$(rm -rf ~)', title: 'x' }), /not a valid task id/);
    assert.throws(() => appendTask(seed, { id: 'ok', title: '  ' }), /needs a title/);
    assert.throws(() => appendTask('tasks: [\n', { id: 'ok', title: 'x' }), /syntax error at line/);
  });
});
