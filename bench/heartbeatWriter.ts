// Child process for the heartbeat benchmark: N workers each replace their heartbeat.json every
// `interval` ms with jitter, in one of the three ways workers write it: in place, through a fixed temp
// name + rename, or through a unique temp name + rename (write-file-atomic). Each write carries its
// sequence number and the time it was made, so the observer can tell how long it took to be seen.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

export const WRITE_STYLES = ['in place', 'fixed temp + rename', 'unique temp + rename'] as const;
export type WriteStyle = (typeof WRITE_STYLES)[number];

const [dir, workers, rounds, interval, style] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]), process.argv[6] as WriteStyle];
const now = () => performance.timeOrigin + performance.now();

async function worker(id: string): Promise<void> {
  const file = join(dir, id, 'heartbeat.json');
  for (let seq = 1; seq <= rounds; seq++) {
    await new Promise((r) => setTimeout(r, interval * (0.5 + Math.random())));
    const text = JSON.stringify({ task_id: id, status: 'in_progress', progress: `${seq}@${now()}` });
    if (style === 'in place') writeFileSync(file, text);
    else if (style === 'fixed temp + rename') {
      writeFileSync(join(dir, id, '.hb.tmp'), text);
      renameSync(join(dir, id, '.hb.tmp'), file);
    } else await writeFileAtomic(file, text, { fsync: false });
  }
}

if (require.main === module) void Promise.all(Array.from({ length: workers }, (_, i) => worker(`w${i}`))).then(() => process.exit(0));
