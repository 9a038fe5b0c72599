// `npm run bench`: builds first (package.json), then runs each benchmark against the bundled CLI.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runPlanBench } from './planBench';
import { runWorkerBench } from './workerBench';

const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run "npm run build" first (npm run bench does).');
  process.exit(2);
}
console.log(`Baton benchmarks (node ${process.version}, ${require('node:os').cpus().length} cores)`);
void (async () => {
  runPlanBench(cli);
  await runWorkerBench(cli);
})();
