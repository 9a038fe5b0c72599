import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDependency, appendTask, applyChange, listItemRemoval } from '../../src/core/plan/edit';
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
        '    deps: [phase-3]\n    files: [docs/**]\n    estimate: 1h\n',
      'same indentation and flow style as the other tasks, a blank line before it as the file has between tasks',
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

describe('Add a dependency (quick fix for a file conflict)', () => {
  const add = (text: string, task: string, dep: string) => {
    const change = addDependency(text, task, dep);
    return change ? applyChange(text, change) : text;
  };

  it('extends a flow list in its own style, keeping comments', () => {
    const text = 'version: 1\ntasks:\n  - id: a   # first\n    title: A\n  - id: b\n    title: B\n    deps: [a]  # keep me\n  - id: c\n    title: C\n    deps: []\n';
    assert.equal(add(text, 'b', 'c'), text.replace('deps: [a]  # keep me', 'deps: [a, c]  # keep me'));
    assert.equal(add(text, 'c', 'a'), text.replace('deps: []\n', 'deps: [a]\n'));
    assert.equal(add(text, 'b', 'a'), text, 'already there: nothing changes');
  });

  it('adds an item to a block list at its indentation', () => {
    const text = 'version: 1\ntasks:\n  - id: a\n    title: A\n  - id: b\n    title: B\n    deps:\n      - a\n    estimate: 1h\n';
    assert.equal(add(text, 'b', 'x'), text.replace('      - a\n', '      - a\n      - x\n'));
  });

  it('writes deps after the id of a task that has none, in block and flow maps', () => {
    const text = 'version: 1\ntasks:\n  - id: a # the first\n    title: A\n  - {id: b, title: B}\n  - id: c\n    title: C\n    deps:\n';
    assert.equal(add(text, 'a', 'b'), text.replace('  - id: a # the first\n', '  - id: a # the first\n    deps: [b]\n'));
    assert.equal(add(text, 'b', 'a'), text.replace('{id: b, title: B}', '{id: b, deps: [a], title: B}'));
    assert.equal(add(text, 'c', 'a'), text.replace('    deps:\n', '    deps: [a]\n'));
    for (const task of ['a', 'b', 'c']) assert.deepEqual(parsePlan(add(text, task, task === 'a' ? 'b' : 'a'), 'baton.yaml').diagnostics, []);
  });

  it('says what is wrong when the task is not there or the YAML is broken', () => {
    assert.throws(() => addDependency('version: 1\ntasks:\n  - {id: a, title: A}\n', 'zz', 'a'), /no task "zz"/);
    assert.throws(() => addDependency('tasks: [\n', 'a', 'b'), /YAML syntax error/);
  });
});

describe('Add Task in the file\'s own flow style', () => {
  it('pads brackets only where the file already does', () => {
    const plain = 'version: 1\ntasks:\n  - id: a\n    title: A\n    deps: []\n  - id: b\n    title: B\n    deps: [a]\n';
    assert.match(appendTask(plain, { id: 'c', title: 'C', deps: ['a', 'b'] }), /deps: \[a, b\]\n$/);
    const padded = plain.replace('deps: [a]', 'deps: [ a ]');
    assert.match(appendTask(padded, { id: 'c', title: 'C', deps: ['a', 'b'] }), /deps: \[ a, b \]\n$/);
  });
  it('writes a one-line description as a block, ready to grow', () => {
    const plain = 'version: 1\ntasks:\n  - id: a\n    title: A\n';
    assert.match(appendTask(plain, { id: 'c', title: 'C', description: 'Do it.' }), /description: \|-?\n {6}Do it\.\n/);
  });
});

describe('listItemRemoval', () => {
  const remove = (text: string, item: string) => {
    const start = text.indexOf(item);
    const cut = listItemRemoval(text, start, start + item.length);
    return text.slice(0, cut.start) + text.slice(cut.end);
  };
  it('removes an entry of a flow list with one comma beside it', () => {
    assert.equal(remove('deps: [a, b, c]\n', 'b'), 'deps: [a, c]\n');
    assert.equal(remove('deps: [a, b]\n', 'b'), 'deps: [a]\n');
    assert.equal(remove('deps: [b]\n', 'b'), 'deps: []\n');
  });
  it('removes the whole line of a block list entry', () => {
    assert.equal(remove('deps:\n  - a\n  - bb # typo\n  - c\n', 'bb'), 'deps:\n  - a\n  - c\n');
  });
});
