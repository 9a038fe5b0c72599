// What personas and shared context add to a worker's start: reading the persona file and the context
// files, and the longer prompt, against the prompt alone, in the same run.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPersona } from '../src/core/agents/personas';
import { workerPrompt } from '../src/core/agents/prompt';
import { readSharedContext } from '../src/core/agents/sharedContext';
import { analyzePlan } from '../src/core/graph/analysis';
import { parsePlan } from '../src/core/plan/parse';
import { median, table, time } from './measure';

export function runTeamBench(): void {
  const repo = mkdtempSync(join(tmpdir(), 'baton-team-'));
  mkdirSync(join(repo, 'docs'));
  const files = ['docs/a.md', 'docs/b.md', 'docs/c.md'];
  for (const f of files) writeFileSync(join(repo, f), 'Some design notes.\n'.repeat(900)); // ~17 KB each: cut at 16 KB
  const plan = parsePlan(`version: 1\ncontext:\n  text: Shared words.\n  files: [${files.join(', ')}]\ntasks:\n` + Array.from({ length: 50 }, (_, i) => `  - {id: t${i}, title: Task ${i}}\n`).join(''), 'baton.yaml').plan;
  const analysis = analyzePlan(plan);
  const task = plan.tasks[0];
  const runs = 200;
  const bare = time(() => workerPrompt(plan, task, analysis), runs);
  const team = time(() => workerPrompt(plan, task, analysis, [], { persona: readPersona(repo, 'engineer'), shared: readSharedContext(repo, plan.context) }), runs);
  console.log(`\nA worker's prompt, 50-task plan, ${runs} runs`);
  table([
    ['prompt alone', median(bare), ''],
    ['prompt + persona + shared context', median(team), '3 files of 17 KB, read and capped'],
  ]);
}
