#!/usr/bin/env node
// The `baton` command: parses arguments and hands off to the same engine the extension uses.
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { analyzeCommand, simulateCommand, UsageError, validateCommand, type Output } from './planCommands';

const HELP = `baton ${version}: run a plan of coding tasks as a dependency graph

Usage:
  baton validate [PLAN] [--json]             check a plan; errors as file:line:col: error CODE: message
  baton analyze  [PLAN] [--json]             order, stages, critical path, parallelism, file conflicts
  baton simulate [PLAN] --workers K [--json] schedule on K workers with the estimates
  baton help | --help,  baton --version

PLAN defaults to baton.yaml in the current folder; a .md file is read as a "Phases" plan.
Exit status: 0 fine, 1 the plan has errors, 2 the command was used wrongly or the plan cannot be read.`;

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
  process.exitCode = main(process.argv.slice(2), io);
}
