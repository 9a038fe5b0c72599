// A finished worker's files, as Baton and Claude Code leave them, for the Run Report tests: events of two
// tasks of the sample plan and a small transcript. Plain Node: the in-host suite and the UI tests share it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * By hand: two replies of claude-sonnet-4-5, tokens 5+5 input, 200+300 output, 1000 cache write, 10000+12000
 * cache read = 23,510 ("23.5k"); cost (10×3 + 500×15 + 1000×3.75 + 22000×0.3) / 1e6 = $0.01788 ("$0.02").
 * api-schema: wall 50m, working 20m + 15m = 35m, waiting for you 5m, 1 gate run, approved.
 */
export function writeRunFixture(root: string): () => void {
  const runs = join(root, '.baton', 'runs');
  const transcript = join(root, '.baton', 'fixture-transcript.jsonl');
  mkdirSync(join(runs, 'api-schema'), { recursive: true });
  mkdirSync(join(runs, 'ui-form'), { recursive: true });
  const reply = (id: string, usage: object) => JSON.stringify({ type: 'assistant', message: { id, role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'ok' }], usage } });
  writeFileSync(
    transcript,
    [
      JSON.stringify({ type: 'user', message: { role: 'user', content: 'Write the API schema.' } }),
      reply('msg_1', { input_tokens: 5, output_tokens: 200, cache_creation_input_tokens: 1000, cache_read_input_tokens: 10000 }),
      reply('msg_2', { input_tokens: 5, output_tokens: 300, cache_creation_input_tokens: 0, cache_read_input_tokens: 12000 }),
    ].join('\n') + '\n',
  );
  const at = (hm: string) => `2026-01-05T${hm}:00.000Z`;
  const lines = (events: object[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  writeFileSync(
    join(runs, 'api-schema', 'events.jsonl'),
    lines([
      { type: 'prepare', at: at('10:00'), launch: 'A' },
      { type: 'launch', at: at('10:00'), launch: 'A' },
      { type: 'hook:UserPromptSubmit', at: at('10:05'), session: 's-a', launch: 'A' },
      { type: 'hook:Notification', at: at('10:25'), notification: 'permission_prompt', session: 's-a', launch: 'A' },
      { type: 'hook:PreToolUse', at: at('10:30'), session: 's-a', launch: 'A' },
      { type: 'hook:Stop', at: at('10:45'), session: 's-a', transcript, usage: {}, launch: 'A' },
      { type: 'exit', at: at('10:46'), code: 0, launch: 'A' },
      { type: 'gates', at: at('10:47'), passed: true },
      { type: 'approved', at: at('10:50'), sha: 'abc' },
    ]),
  );
  writeFileSync(
    join(runs, 'ui-form', 'events.jsonl'),
    lines([
      { type: 'launch', at: at('10:10'), launch: 'B' },
      { type: 'hook:UserPromptSubmit', at: at('10:12'), session: 's-b', launch: 'B' },
      { type: 'report:blocked', at: at('10:20'), reason: 'Which styles?', launch: 'B' },
      { type: 'reply', at: at('10:28'), text: 'Use the theme' },
      { type: 'hook:UserPromptSubmit', at: at('10:28'), session: 's-b', launch: 'B' },
      { type: 'hook:Stop', at: at('10:40'), session: 's-b', launch: 'B' },
      { type: 'exit', at: at('10:41'), code: 0, launch: 'B' },
    ]),
  );
  return () => {
    for (const dir of ['api-schema', 'ui-form']) rmSync(join(runs, dir), { recursive: true, force: true });
    rmSync(transcript, { force: true });
    rmSync(join(root, '.baton', 'report'), { recursive: true, force: true });
  };
}
