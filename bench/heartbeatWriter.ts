// Child process for the heartbeat benchmark: N workers each write their heartbeat.json atomically (temp
// file + rename, as the protocol asks) every `interval` ms with jitter; each write carries its sequence
// number and the time it was made, so the observer can tell how long it took to be seen.
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

const [dir, workers, rounds, interval] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const now = () => performance.timeOrigin + performance.now();

async function worker(id: string): Promise<void> {
  for (let seq = 1; seq <= rounds; seq++) {
    await new Promise((r) => setTimeout(r, interval * (0.5 + Math.random())));
    const heartbeat = { task_id: id, status: 'in_progress', activity: `${seq}@${now()}`, updated_at: new Date().toISOString(), pid: process.pid };
    await writeFileAtomic(join(dir, id, 'heartbeat.json'), JSON.stringify(heartbeat));
  }
}

void Promise.all(Array.from({ length: workers }, (_, i) => worker(`w${i}`))).then(() => process.exit(0));
