// `npm run bench`: builds first (package.json), then runs each benchmark against the bundled CLI.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runGraphBench } from './graphBench';
import { runPlanBench } from './planBench';
import { runWorkerBench } from './workerBench';
import { runMergeBench } from './mergeBench';
import { runTeamBench } from './teamBench';

const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run "npm run build" first (npm run bench does).');
  process.exit(2);
}
console.log(`Baton benchmarks (node ${process.version}, ${require('node:os').cpus().length} cores)`);
// `npm run bench -- graph` runs only the benchmarks named (plan, workers, merge, team, graph); no name runs them all.
const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);
void (async () => {
  if (wanted('plan')) runPlanBench(cli);
  if (wanted('workers')) await runWorkerBench(cli);
  if (wanted('merge')) await runMergeBench();
  if (wanted('team')) runTeamBench();
  if (wanted('graph')) await runGraphBench(cli);
})();
