import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlan } from '../../src/core/plan/parse';
import type { PlanDiagnostic } from '../../src/core/plan/model';

const seed = readFileSync(join(__dirname, 'fixtures/seed.yaml'), 'utf8');

function codes(diags: PlanDiagnostic[]) {
  return diags.map((d) => `${d.severity}:${d.code}@${d.span.start.line}:${d.span.start.column}`);
}

function plan(tasks: string, head = 'version: 1\nname: t\n') {
  return parsePlan(`${head}tasks:\n${tasks}`, 'baton.yaml');
}

describe('YAML plan', () => {
  it('reads every field of the seed plan', () => {
    const { plan: p, diagnostics } = parsePlan(seed, 'baton.yaml');
    assert.deepEqual(diagnostics, []);
    assert.equal(p.name, 'Contact form');
    assert.equal(p.base, 'main');
    assert.deepEqual(p.defaults, { agent: 'claude', gates: ['npm test'], heartbeatTimeout: 90, maxWorkers: 3, conflicts: 'serialize' });
    assert.deepEqual(
      p.tasks.map((t) => t.id),
      ['phase-1', 'phase-2a', 'phase-2b', 'phase-3'],
    );
    const form = p.tasks[1];
    assert.equal(form.title, 'Form component');
    assert.equal(form.description, 'Build the form.\n');
    assert.deepEqual(form.deps, ['phase-1']);
    assert.deepEqual(form.files, ['src/components/ContactForm.tsx', 'src/styles/**']);
    assert.equal(form.hours, 3);
    assert.equal(form.complexity, 'medium');
    assert.equal(form.persona, 'engineer');
    assert.deepEqual(form.gates, ['npm test -- ContactForm']);
    assert.deepEqual(p.tasks[0].gates, ['npm test'], 'a task without gates gets the plan default');
    assert.equal(p.tasks[3].hours, 1.5, '90m is 1.5h');
  });

  it('knows where each task and dependency is written', () => {
    const { plan: p } = parsePlan(seed, 'baton.yaml');
    assert.deepEqual(p.tasks[1].span.start, { line: 16, column: 5 });
    assert.deepEqual(p.tasks[3].depSpans.map((s) => s.start), [
      { line: 36, column: 12 },
      { line: 36, column: 22 },
    ]);
  });

  it('reports a YAML syntax error at its line and loses nothing else', () => {
    const { diagnostics } = parsePlan('version: 1\ntasks:\n  - id: a\n    title: [unclosed\n', 'baton.yaml');
    assert.equal(diagnostics[0].code, 'yaml-syntax');
    assert.equal(diagnostics[0].severity, 'error');
    assert.ok(diagnostics[0].span.start.line >= 4, `line ${diagnostics[0].span.start.line}`);
    assert.match(diagnostics[0].message, /YAML syntax/);
  });

  it('reports an empty file, a plan with no tasks and a non-mapping plan', () => {
    assert.deepEqual(codes(parsePlan('', 'baton.yaml').diagnostics), ['error:empty-plan@1:1']);
    assert.deepEqual(codes(parsePlan('version: 1\ntasks: []\n', 'baton.yaml').diagnostics), ['error:empty-plan@2:1']);
    assert.deepEqual(codes(parsePlan('version: 1\n', 'baton.yaml').diagnostics), ['error:missing-field@1:1']);
    assert.deepEqual(codes(parsePlan('- a\n- b\n', 'baton.yaml').diagnostics), ['error:wrong-type@1:1']);
  });

  it('reports wrong types at the value, with what to write instead', () => {
    const { diagnostics } = plan('  - id: a\n    title: A\n    deps: a-string\n    files: [1, {x: y}]\n    complexity: extreme\n');
    assert.deepEqual(codes(diagnostics), ['error:wrong-type@6:11', 'error:wrong-type@7:16', 'error:bad-value@8:17']);
    assert.match(diagnostics[0].message, /must be a list/);
    assert.match(diagnostics[2].message, /low, medium, high/);
  });

  it('requires id and title on every task', () => {
    const { plan: p, diagnostics } = plan('  - title: No id\n  - id: b\n');
    assert.deepEqual(codes(diagnostics), ['error:missing-field@4:5', 'error:missing-field@5:5']);
    assert.deepEqual(p.tasks.map((t) => t.id), ['b']);
  });

  it('parses estimates and refuses ones it cannot understand', () => {
    const { plan: p, diagnostics } = plan(
      '  - {id: a, title: A, estimate: 2h}\n  - {id: b, title: B, estimate: 30m}\n  - {id: c, title: C, estimate: 1.5d}\n' +
        '  - {id: d, title: D, estimate: 3}\n  - {id: e, title: E, estimate: soon}\n  - {id: f, title: F, estimate: -2h}\n',
    );
    assert.deepEqual(p.tasks.map((t) => t.hours), [2, 0.5, 12, 3, 0, 0]);
    assert.deepEqual(codes(diagnostics), ['error:bad-estimate@8:33', 'error:bad-estimate@9:33']);
    assert.match(diagnostics[0].message, /"soon" is not understood/);
  });

  it('warns about unknown keys without refusing the plan', () => {
    const { plan: p, diagnostics } = plan('  - id: a\n    title: A\n    dependencies: [b]\n', 'version: 1\nowner: me\n');
    assert.equal(p.tasks.length, 1);
    assert.deepEqual(codes(diagnostics), ['warning:unknown-key@2:1', 'warning:unknown-key@6:5']);
    assert.match(diagnostics[1].message, /Unknown key "dependencies" in task "a".*deps/);
  });

  it('checks defaults and the version', () => {
    const { diagnostics } = parsePlan(
      'version: 2\ndefaults:\n  maxWorkers: 0\n  heartbeatTimeout: forever\ntasks:\n  - {id: a, title: A}\n',
      'baton.yaml',
    );
    assert.deepEqual(codes(diagnostics), ['error:bad-version@1:10', 'error:wrong-type@3:15', 'error:bad-duration@4:21']);
  });

  it('reads the conflict policy from defaults and from a task, and refuses other words', () => {
    const ok = parsePlan('version: 1\ndefaults:\n  conflicts: allow\ntasks:\n  - {id: a, title: A, conflicts: serialize}\n  - {id: b, title: B}\n', 'baton.yaml');
    assert.deepEqual(ok.diagnostics, []);
    assert.equal(ok.plan.defaults.conflicts, 'allow');
    assert.deepEqual(ok.plan.tasks.map((t) => t.conflicts), ['serialize', undefined]);
    const bad = parsePlan('version: 1\ndefaults:\n  conflicts: maybe\ntasks:\n  - {id: a, title: A, conflicts: yes}\n', 'baton.yaml');
    assert.deepEqual(codes(bad.diagnostics), ['error:bad-value@3:14', 'error:bad-value@5:34']);
    assert.match(bad.diagnostics[0].message, /`serialize` .* or `allow`/);
  });

  it('warns when there is no version', () => {
    const { diagnostics } = parsePlan('tasks:\n  - {id: a, title: A}\n', 'baton.yaml');
    assert.deepEqual(codes(diagnostics), ['warning:missing-field@1:1']);
  });
});

describe('YAML plan read without task positions (the CLI)', () => {
  const strip = (tasks: Array<{ span: unknown; depSpans: unknown; fileSpans?: unknown }>) => tasks.map((t) => ({ ...t, span: undefined, depSpans: undefined, fileSpans: undefined }));

  it('gives the same plan as the positioned read, with task lines unknown', () => {
    const full = parsePlan(seed, 'baton.yaml');
    const quick = parsePlan(seed, 'baton.yaml', { taskPositions: false });
    assert.deepEqual(quick.diagnostics, []);
    assert.deepEqual(strip(quick.plan.tasks), strip(full.plan.tasks));
    assert.deepEqual({ ...quick.plan, tasks: [] }, { ...full.plan, tasks: [] });
    assert.equal(quick.plan.tasks[0].span.start.line, 0);
  });

  it('still places every diagnostic exactly', () => {
    const text = 'version: 1\ntasks:\n  - id: a\n    title: A\n    deps: [zz]\n  - id: a\n    title: again\n';
    const quick = parsePlan(text, 'baton.yaml', { taskPositions: false });
    assert.deepEqual(codes(quick.diagnostics), ['error:unknown-dependency@5:12', 'error:duplicate-id@6:5']);
    assert.deepEqual(quick, parsePlan(text, 'baton.yaml'));
  });

  it('falls back to the positioned read for what js-yaml refuses', () => {
    const text = 'version: 1\ntasks:\n  - id: a\n    title: A\n    title: B\n';
    const quick = parsePlan(text, 'baton.yaml', { taskPositions: false });
    assert.deepEqual(quick, parsePlan(text, 'baton.yaml'));
    assert.equal(quick.diagnostics[0].code, 'yaml-syntax');
    assert.equal(quick.diagnostics[0].span.start.line, 5);
  });
});
