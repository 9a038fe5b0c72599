#!/usr/bin/env node
// A worker that is not Claude Code: it speaks only the heartbeat protocol, writing the protocol's
// published example (text progress, no updated_at) every 200 ms through a fixed temp name + rename,
// commits a file, then says `completed`. Run by a worker profile:
//   node heartbeatAgent.js [steps=5] [intervalMs=200] [delayMs=0] [forever]
// `delayMs`: silence before the first beat (the supervisor's "starting" shows meanwhile). `forever`: keep
// beating at the last step instead of finishing. BATON_TEST_LINGER_MS: stay that long after `completed`,
// as an interactive agent stays at its prompt.
'use strict';
const { execFileSync } = require('node:child_process');
const { renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const taskId = process.env.BATON_TASK_ID;
const dir = join(process.env.BATON_ROOT, '.baton', 'runs', taskId);
const steps = Number(process.argv[2] ?? 5);
const interval = Number(process.argv[3] ?? 200);
const delay = Number(process.argv[4] ?? 0);
const forever = process.argv[5] === 'forever';
const started = Date.now();

function beat(status, progress) {
  const heartbeat = { task_id: taskId, status, progress, tokens_used: 12500, elapsed_seconds: Math.round((Date.now() - started) / 1000) };
  writeFileSync(join(dir, '.hb.tmp'), JSON.stringify(heartbeat));
  renameSync(join(dir, '.hb.tmp'), join(dir, 'heartbeat.json'));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  await sleep(delay);
  for (let step = 1; step <= steps; step++) {
    beat('in_progress', `Step ${step} of ${steps}: Creating files`);
    await sleep(interval);
  }
  if (forever) {
    for (;;) {
      beat('in_progress', `Step ${steps} of ${steps}: Creating files`);
      await sleep(interval);
    }
  }
  writeFileSync(`${taskId}.txt`, `made by the heartbeat agent, launch ${process.env.BATON_LAUNCH_ID}\n`);
  execFileSync('git', ['add', '-A']);
  execFileSync('git', ['commit', '-qm', `work on ${taskId}`]);
  beat('completed', 'Done: 1 file');
  await sleep(Number(process.env.BATON_TEST_LINGER_MS ?? 0));
})();
