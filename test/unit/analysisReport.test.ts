import { strict as assert } from 'node:assert';
import { analyzePlan } from '../../src/core/graph/analysis';
import { parsePlan } from '../../src/core/plan/parse';
import { analysisMarkdown } from '../../src/extension/analysisReport';

describe('plan analysis document: file conflicts', () => {
  it('lists each contested path once, with the tasks and the dependencies that fix it', () => {
    const tasks = ['a', 'b', 'c'].map((id) => `  - id: ${id}\n    title: ${id}\n    files: [src/shared/db.ts]\n`).join('');
    const parsed = parsePlan(`version: 1\ntasks:\n${tasks}  - id: d\n    title: d\n    files: ["src/**"]\n    deps: [a, b, c]\n`, 'baton.yaml');
    const md = analysisMarkdown(parsed.plan, analyzePlan(parsed.plan), parsed.diagnostics, 'baton.yaml');
    const section = md.slice(md.indexOf('## File conflicts'));
    assert.match(section, /1 contested path, 3 pairs of tasks that can run at the same time/);
    assert.match(section, /### `src\/shared\/db\.ts`\n\nTouched by 3 tasks that may run at the same time: `a`, `b`, `c`\./);
    assert.match(section, /add 2 dependencies: `b` after `a`, `c` after `b`\./);
    assert.doesNotMatch(section, /`d`/, 'd depends on all three: no conflict');
  });
});
