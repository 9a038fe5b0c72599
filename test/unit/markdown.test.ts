import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzePlan } from '../../src/core/graph/analysis';
import { parseMarkdownPlan, slug } from '../../src/core/plan/markdown';
import { parsePlan } from '../../src/core/plan/parse';
import { planToYaml } from '../../src/core/plan/serialize';

const seed = readFileSync(join(__dirname, 'fixtures/seed.md'), 'utf8');

describe('Markdown "Phases" plan', () => {
  it('reads the seed example into the same model as YAML', () => {
    const { plan, diagnostics } = parsePlan(seed, 'PLAN.md');
    // The only remark: each command in a checklist becomes a gate, which a worker may run unasked.
    assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), plan.tasks.flatMap((t) => t.gates.map(() => ['gate-allowed', 'warning'])));
    assert.equal(plan.format, 'markdown');
    assert.equal(plan.name, 'Contact form');
    assert.deepEqual(
      plan.tasks.map((t) => [t.id, t.title, t.deps, t.hours]),
      [
        ['phase-1', 'Project setup', [], 2],
        ['phase-2a', 'Form component', ['phase-1'], 3],
        ['phase-2b', 'API endpoint', ['phase-1'], 4],
        ['phase-3', 'Wire it up', ['phase-2a', 'phase-2b'], 1.5],
      ],
    );
    const [setup, form] = plan.tasks;
    assert.deepEqual(setup.files, ['package.json', 'src/setup/**']);
    assert.deepEqual(form.files, ['src/components/ContactForm.tsx', 'src/styles/**'], 'files given as a list');
    assert.equal(setup.complexity, 'low');
    assert.deepEqual(setup.gates, ['npm run build'], 'a checklist item with a command becomes a gate');
    assert.match(setup.description, /Implementation steps:\n1\. Add the form library\n2\. Configure the build/);
    assert.match(setup.description, /Validation gates:\n- The dev server starts/, 'a plain-text check stays for the worker to read');
    assert.deepEqual(setup.span.start, { line: 5, column: 1 });
    assert.deepEqual(plan.tasks[3].depSpans.map((s) => s.start.column), [19, 29]);
  });

  it('says, at the checklist item, that a command in it becomes something a worker may run without asking', () => {
    const { plan, diagnostics } = parsePlan(seed, 'PLAN.md');
    const first = diagnostics.find((d) => d.code === 'gate-allowed')!;
    assert.equal(first.severity, 'warning');
    assert.match(first.message, /`npm run build` becomes a gate of "phase-1": its worker may run exactly this command without asking/);
    const line = seed.split('\n')[first.span.start.line - 1];
    assert.equal(line.slice(first.span.start.column - 1, first.span.end.column - 1), '`npm run build`');
    assert.equal(diagnostics.filter((d) => d.code === 'gate-allowed').length, plan.tasks.flatMap((t) => t.gates).length);
  });

  it('gives the seed example three stages and a parallelism of two', () => {
    const a = analyzePlan(parsePlan(seed, 'PLAN.md').plan);
    assert.deepEqual(a.stages, [['phase-1'], ['phase-2a', 'phase-2b'], ['phase-3']]);
    assert.equal(a.maxParallelism, 2);
    assert.deepEqual(a.criticalPath, { tasks: ['phase-1', 'phase-2b', 'phase-3'], hours: 7.5 });
  });

  it('slugs phase labels into ids', () => {
    assert.equal(slug('Phase 2a'), 'phase-2a');
    assert.equal(slug('Phase  3.1'), 'phase-3.1');
  });

  it('understands dependency lists written in several ways', () => {
    const md = [
      '### Phase 1: A',
      '### Phase 2: B',
      '### Phase 3: C',
      '**Dependencies:** Phase 1 and 2',
      '### Phase 4 - D',
      '**Dependencies**: n/a',
    ].join('\n');
    const { plan, diagnostics } = parsePlan(md, 'p.md');
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(plan.tasks.map((t) => t.deps), [[], [], ['phase-1', 'phase-2'], []]);
    assert.equal(plan.tasks[3].title, 'D');
  });

  it('reports unknown phases, cycles and bad values with positions', () => {
    const md = [
      '## Phase 1: A',
      '**Dependencies**: Phase 2',
      '## Phase 2: B',
      '**Dependencies**: Phase 1, Phase 9',
      '**Estimated Hours**: lots',
      '**Complexity**: Extreme',
    ].join('\n');
    const { diagnostics } = parseMarkdownPlan(md, 'p.md');
    const got = diagnostics.map((d) => `${d.code}@${d.span.start.line}:${d.span.start.column}`).sort();
    assert.deepEqual(got, ['bad-estimate@5:22', 'bad-value@6:17', 'cycle@2:19', 'unknown-dependency@4:28']);
  });

  it('reads a phase\'s conflict policy and keeps it through conversion to YAML', () => {
    const text = '# P\n\n### Phase 1: Docs\n**Conflicts**: Allow\n\n### Phase 2: Bad\n**Conflicts**: sometimes\n';
    const { plan, diagnostics } = parsePlan(text, 'PLAN.md');
    assert.equal(plan.tasks[0].conflicts, 'allow');
    assert.deepEqual(diagnostics.map((d) => [d.code, d.span.start.line]), [['bad-value', 7]]);
    assert.match(planToYaml(plan), /conflicts: allow/);
  });

  it('says what a Phases plan looks like when it finds no phases', () => {
    const { diagnostics } = parsePlan('# Just notes\n\nNothing here.\n', 'notes.md');
    assert.equal(diagnostics[0].code, 'empty-plan');
    assert.match(diagnostics[0].message, /### Phase 1: Title/);
  });

  it('ignores headings inside code fences', () => {
    const { plan } = parsePlan('### Phase 1: A\n```\n### Phase 9: not a phase\n```\n', 'p.md');
    assert.deepEqual(plan.tasks.map((t) => t.id), ['phase-1']);
  });

  it('converts to a baton.yaml that reads back to the same tasks', () => {
    const md = parsePlan(seed, 'PLAN.md').plan;
    const text = planToYaml(md, 'Imported from PLAN.md');
    assert.match(text, /^# Imported from PLAN.md\n/);
    assert.match(text, /deps: \[ phase-2a, phase-2b \]/);
    const back = parsePlan(text, 'baton.yaml');
    assert.deepEqual(back.diagnostics, []);
    const strip = (p: typeof md) => p.tasks.map((t) => [t.id, t.title, t.deps, t.files, t.hours, t.complexity, t.gates, t.description.trim()]);
    assert.deepEqual(strip(back.plan), strip(md));
  });
});

describe('Markdown plan: shared context and personas', () => {
  const text = `# Shop

## Context
We write British English; the API is described in docs/api.md.
**Files**: \`docs/api.md\`, \`CONTRIBUTING.md\`
**Default Persona**: Intern

### Phase 1: Design the API
**Persona**: Architect
**Dependencies**: None

### Phase 2: Build it
**Dependencies**: Phase 1
#### Context
Only for this phase: it stays in its description.
`;

  it('reads a Context section into the plan context and a Persona field into the task, like a YAML plan', () => {
    const { plan, diagnostics } = parsePlan(text, 'PLAN.md');
    assert.deepEqual(diagnostics, []);
    assert.equal(plan.context.text, 'We write British English; the API is described in docs/api.md.');
    assert.deepEqual(plan.context.files, ['docs/api.md', 'CONTRIBUTING.md']);
    assert.equal(plan.defaults.persona, 'intern');
    assert.deepEqual(plan.tasks.map((t) => [t.id, t.persona]), [['phase-1', 'architect'], ['phase-2', undefined]]);
    assert.match(plan.tasks[1].description, /Only for this phase/, 'a Context heading inside a phase is part of that phase');
    assert.doesNotMatch(plan.context.text, /Only for this phase/);
  });

  it('imports both into baton.yaml, which reads back the same', () => {
    const { plan } = parsePlan(text, 'PLAN.md');
    const back = parsePlan(planToYaml(plan), 'baton.yaml');
    assert.deepEqual(back.diagnostics, []);
    assert.deepEqual(back.plan.context, plan.context);
    assert.equal(back.plan.defaults.persona, 'intern');
    assert.equal(back.plan.tasks[0].persona, 'architect');
  });

  it('refuses a context file outside the repository and a persona that cannot be a file name, at the line', () => {
    const bad = `## Context\n**Files**:\n- \`../secrets.txt\`\n\n### Phase 1: A\n**Persona**: ../../etc\n`;
    const { plan, diagnostics } = parsePlan(bad, 'PLAN.md');
    const byCode = new Map(diagnostics.map((d) => [d.code, d]));
    assert.match(byCode.get('bad-context-file')!.message, /leaves the repository/);
    assert.equal(byCode.get('bad-context-file')!.span.start.line, 3);
    assert.match(byCode.get('invalid-persona')!.message, /persona names become file names/);
    assert.deepEqual(plan.context.files, []);
    assert.equal(plan.tasks[0].persona, undefined);
  });
});
