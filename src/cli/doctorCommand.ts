// `baton doctor [PLAN] [--json]`: can a worker start here? Exit 0 only when nothing stops one.
import { resolve } from 'node:path';
import { doctorText, runDoctor } from '../core/setup/doctor';
import type { Output } from './planCommands';
import { agentsFromEnv, batonCommand, sandboxFromEnv } from './workerCommands';

export async function doctorCommand(planFile: string, json: boolean, io: Output): Promise<number> {
  const report = await runDoctor({
    planFile: resolve(planFile),
    // Headless workers take their profiles from BATON_AGENTS, so the doctor checks those same profiles.
    agents: agentsFromEnv(),
    batonCommand: batonCommand(),
    sandbox: sandboxFromEnv(),
  });
  io.out(json ? JSON.stringify(report) : doctorText(report));
  return report.ok ? 0 : 1;
}
