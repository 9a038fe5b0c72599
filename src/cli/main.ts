#!/usr/bin/env node
// The `baton` command: parses arguments and hands off to the same engine the extension uses.
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { analyzeCommand, simulateCommand, UsageError, validateCommand, type Output } from './planCommands';
import { hookCommand, reportCommand, runCommand, startCommand, statusCommand, stopCommand, superviseCommand } from './workerCommands';

const HELP = `baton ${version}: run a plan of coding tasks as a dependency graph

Usage:
  baton validate [PLAN] [--json]             check a plan; errors as file:line:col: error CODE: message
  baton analyze  [PLAN] [--json]             order, stages, critical path, parallelism, file conflicts
  baton simulate [PLAN] --workers K [--json] schedule on K workers with the estimates
  baton status   [PLAN] [--json] [--watch]   every task's state; --watch prints a JSON line per change
  baton start    TASK [--plan PLAN]          start one ready task's worker in the background
  baton stop     TASK [--plan PLAN]          stop a worker (its uncommitted work is checkpointed)
  baton run      [PLAN] [--max-workers K]    start ready tasks as workers free up, until none can start
  baton help | --help,  baton --version

Inside a worker:
  baton report blocked "reason"              ask the person for help;  baton report progress N
  baton hook EVENT                           what Claude Code hooks call (hook JSON on stdin)

PLAN defaults to baton.yaml in the current folder; a .md file is read as a "Phases" plan.
Exit status: 0 fine, 1 the plan has errors, 2 the command was used wrongly or the plan cannot be read.`;

/** Commands that run workers or wait on them are asynchronous; the plan commands are not. */
export async function mainAsync(argv: string[], io: Output): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'supervise':
        return await superviseCommand(rest);
      case 'hook':
        return await hookCommand(rest[0] ?? '', io, readStdin);
      case 'report':
        return await reportCommand(rest, io);
      case 'status':
      case 'start':
      case 'stop':
      case 'run': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            json: { type: 'boolean', default: false },
            watch: { type: 'boolean', default: false },
            plan: { type: 'string' },
            'max-workers': { type: 'string' },
          },
        });
        if (command === 'start' || command === 'stop') {
          if (positionals.length !== 1) throw new UsageError(`${command} takes one task id, e.g. baton ${command} ui-form`);
          const plan = values.plan ?? 'baton.yaml';
          return command === 'start' ? await startCommand(plan, positionals[0], io) : await stopCommand(plan, positionals[0], io);
        }
        const plan = positionals[0] ?? values.plan ?? 'baton.yaml';
        if (command === 'status') return await statusCommand(plan, values.json, values.watch, io);
        const raw = values['max-workers'];
        const max = raw === undefined ? undefined : Number(raw);
        if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new UsageError('--max-workers takes a whole number of at least 1.');
        return await runCommand(plan, { maxWorkers: max }, io);
      }
      default:
        return main(argv, io);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`baton: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve) => {
    if (process.stdin.isTTY) return resolve('');
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 4 << 20) chunks.push(c); // hook input is small; refuse to hoard anything huge
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', () => resolve(''));
  });
}

export function main(argv: string[], io: Output): number {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(HELP);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    io.out(version);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        workers: { type: 'string', short: 'k' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError(`${command} takes one plan file, got ${positionals.length}: ${positionals.join(' ')}`);
    const plan = positionals[0] ?? 'baton.yaml';
    switch (command) {
      case 'validate':
        return validateCommand(plan, values.json, io);
      case 'analyze':
        return analyzeCommand(plan, values.json, io);
      case 'simulate': {
        const raw = values.workers;
        const workers = Number(raw);
        if (raw === undefined || !Number.isInteger(workers) || workers < 1) {
          throw new UsageError('simulate needs --workers K, a whole number of at least 1 (e.g. --workers 3).');
        }
        return simulateCommand(plan, workers, values.json, io);
      }
      default:
        throw new UsageError(`unknown command "${command}". Run "baton help" to see the commands.`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`baton: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  // `baton analyze --json | head` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const io: Output = {
    out: (text) => process.stdout.write(text + '\n'),
    err: (text) => process.stderr.write(text + '\n'),
  };
  mainAsync(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      io.err(`baton: ${(e as Error).stack ?? e}`);
      process.exitCode = 1;
    },
  );
}
