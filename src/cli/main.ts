#!/usr/bin/env node
// The `baton` command: parses arguments and hands off to the same engine the extension uses.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { graphCommand } from './graphCommand';
import { analyzeCommand, simulateCommand, UsageError, validateCommand, type Output } from './planCommands';
import { doctorCommand } from './doctorCommand';
import { changesCommand, discardCommand, gatesCommand, preReviewCommand, reviewCommand } from './reviewCommands';
import { approveCommand, hookCommand, queueCommand, reportCommand, runCommand, startCommand, statusCommand, stopCommand, superviseCommand } from './workerCommands';
import { attachCommand, planForStatus, planForTask, requestCommand, sessionsCommand, teamCommand } from './teamCommands';
import { TEAM_TASK_ID } from '../core/run/teamPlan';
import { archiveCommand, pastRunsCommand, runReportCommand } from './reportCommands';
import { QueueFileError } from '../core/run/mergeQueue';

const HELP = `baton ${version}: run a plan of coding tasks as a dependency graph

Usage:
  baton validate [PLAN] [--json]             check a plan; errors as file:line:col: error CODE: message
  baton analyze  [PLAN] [--json] [--conflict-pairs]
                                             order, stages, critical path, parallelism, file conflicts
                                             (grouped by path; --conflict-pairs also lists every pair)
  baton simulate [PLAN] --workers K [--json] schedule on K workers with the estimates
  baton graph    [PLAN] --svg FILE | --mermaid   the plan as a picture (the Graph panel's layout)
  baton status   [PLAN] [--json] [--watch]   every task's state; --watch prints a JSON line per change
  baton start    TASK [--plan PLAN]          start one ready task's worker in the background
  baton stop     TASK [--plan PLAN]          stop a worker (its uncommitted work is checkpointed)
  baton run      [PLAN] [--max-workers K] [--auto-approve] [--pre-review] [--notes]
                                             start ready tasks as workers free up, until none can start;
                                             --auto-approve merges every task whose gates pass, so the plan
                                             runs to its end (stops at the first conflict or failed merge);
                                             --pre-review has a read-only AI reviewer summarise the risks
                                             of each finished task into its result (never approves);
                                             --notes appends what each approved task changed to
                                             baton-notes.md beside the plan, for later workers' prompts
  baton approve  TASK [--plan PLAN] [--force] [--notes]
                                             queue a finished task to merge into the base (gates on the
                                             merged tree first); --force approves although gates failed
  baton queue    [PLAN] [--json]             the merge queue, in order
  baton doctor   [PLAN] [--json]             can a worker start here? each check, and how to fix it
  baton team start "GOAL" [--plan PLAN]      a manager and an architect write the plan for GOAL in their
                                             own worktree; review and approve it as task team-plan
  baton request list [--json] | approve REQ | decline REQ "why"   workers' requests for more workers
  baton sessions [--json] [--filter PERSONA] every worker: persona, state, worktree, terminal, session
  baton attach   TASK                        resume a finished worker's Claude Code conversation here
  baton review   TASK [--plan PLAN] [--json] the task's changes against its base, the worker's summary, gates, history
  baton pre-review TASK [--plan PLAN]        have a read-only AI reviewer read the task's diff now and
                                             write its risk summary beside the gates (baton review shows it)
  baton gates    TASK [--plan PLAN]          run the task's gates in its worktree (exit 0 when all pass)
  baton discard  TASK [--plan PLAN] [--yes]  throw away a task's worktree and branch, after saying what is lost
  baton changes  TASK "feedback" [--detach]  request changes: a worker resumes the task's conversation with them
  baton report   [PLAN] [--json]             the Run Report: per task wall, active and waiting time,
                                             tokens, cost, gate runs, changes requested, estimate vs actual
  baton archive  [PLAN]                      archive a finished run (every task approved) to .baton/archive/
  baton status   --past [--json]             the archived runs
  baton help | --help,  baton --version

Inside a worker:
  baton report blocked "reason"              ask the person for help;  baton report progress N
  baton request PERSONA NAME "what and why" [--deps a,b] [--files g,g]   ask for another worker
  baton report done "summary" [--not-done "text"] | done --file FILE   hand over: what you did and did not do
  baton hook EVENT                           what Claude Code hooks call (hook JSON on stdin)

PLAN defaults to baton.yaml in the current folder; a .md file is read as a "Phases" plan.
Exit status: 0 fine, 1 the plan has errors, 2 the command was used wrongly or the plan cannot be read.`;

/** `baton report <word>`: what a worker reports about itself (workerCommands.ts), not the Run Report. */
const WORKER_REPORTS = new Set(['blocked', 'progress', 'done']);

/** Commands that run workers or wait on them are asynchronous; the plan commands are not. */
export async function mainAsync(argv: string[], io: Output): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'supervise':
        return await superviseCommand(rest, io);
      case 'hook':
        return await hookCommand(rest[0] ?? '', io, readStdin);
      case 'report': {
        // `report blocked|progress|...` is what workers call; anything else is the Run Report.
        if (rest[0] && !rest[0].startsWith('-') && (WORKER_REPORTS.has(rest[0]) || !/\.(ya?ml|md)$/i.test(rest[0]))) {
          if (!WORKER_REPORTS.has(rest[0]) && !existsSync(rest[0])) throw new UsageError(`report takes a plan file (.yaml, .yml, .md) for the Run Report, or inside a worker: blocked "reason" | progress N. "${rest[0]}" is neither.`);
          if (WORKER_REPORTS.has(rest[0])) return await reportCommand(rest, io);
        }
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean', default: false }, plan: { type: 'string' } } });
        if (positionals.length > 1) throw new UsageError(`report takes one plan file, got ${positionals.length}: ${positionals.join(' ')}`);
        return runReportCommand(positionals[0] ?? values.plan ?? 'baton.yaml', values.json, io);
      }
      case 'archive': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { plan: { type: 'string' } } });
        if (positionals.length > 1) throw new UsageError(`archive takes one plan file, got ${positionals.length}: ${positionals.join(' ')}`);
        return await archiveCommand(positionals[0] ?? values.plan ?? 'baton.yaml', io);
      }
      case 'team':
        return await teamCommand(rest, io);
      case 'request':
        return await requestCommand(rest, io);
      case 'sessions':
        return await sessionsCommand(rest, io);
      case 'attach':
        return await attachCommand(rest, io);
      case 'doctor': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
        if (positionals.length > 1) throw new UsageError(`doctor takes one plan file, got ${positionals.length}: ${positionals.join(' ')}`);
        return await doctorCommand(positionals[0] ?? 'baton.yaml', values.json, io);
      }
      case 'review':
      case 'pre-review':
      case 'gates':
      case 'discard':
      case 'changes': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            json: { type: 'boolean', default: false },
            yes: { type: 'boolean', short: 'y', default: false },
            detach: { type: 'boolean', default: false },
            plan: { type: 'string' },
          },
        });
        if (command === 'changes') {
          if (positionals.length !== 2) throw new UsageError('changes takes a task id and your feedback, e.g. baton changes ui-form "validate the email too"');
          return await changesCommand(planForTask(values.plan ?? 'baton.yaml', values.plan !== undefined, positionals[0]), positionals[0], positionals[1], values.detach, io);
        }
        if (positionals.length !== 1) throw new UsageError(`${command} takes one task id, e.g. baton ${command} ui-form`);
        const plan = planForTask(values.plan ?? 'baton.yaml', values.plan !== undefined, positionals[0]);
        if (command === 'review') return await reviewCommand(plan, positionals[0], values.json, io);
        if (command === 'pre-review') return await preReviewCommand(plan, positionals[0], io);
        if (command === 'gates') return await gatesCommand(plan, positionals[0], io);
        return await discardCommand(plan, positionals[0], values.yes, io);
      }
      case 'status':
      case 'start':
      case 'stop':
      case 'approve':
      case 'queue':
      case 'run': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            json: { type: 'boolean', default: false },
            watch: { type: 'boolean', default: false },
            plan: { type: 'string' },
            'max-workers': { type: 'string' },
            'auto-approve': { type: 'boolean', default: false },
            'pre-review': { type: 'boolean', default: false },
            notes: { type: 'boolean', default: false },
            force: { type: 'boolean', default: false },
            past: { type: 'boolean', default: false },
          },
        });
        if (values.past && command !== 'status') throw new UsageError('--past goes with status: baton status --past');
        if (command === 'start' || command === 'stop' || command === 'approve') {
          if (positionals.length !== 1) throw new UsageError(`${command} takes one task id, e.g. baton ${command} ui-form`);
          const plan = planForTask(values.plan ?? 'baton.yaml', values.plan !== undefined, positionals[0]);
          if (command === 'approve') {
            const code = await approveCommand(plan, positionals[0], values.force, io, values.notes);
            if (code === 0 && positionals[0] === TEAM_TASK_ID && plan !== (values.plan ?? 'baton.yaml')) io.out('The team\'s plan is merged: baton status shows its tasks, and baton run starts the ready ones.');
            return code;
          }
          return command === 'start' ? await startCommand(plan, positionals[0], io) : await stopCommand(plan, positionals[0], io);
        }
        const plan = positionals[0] ?? values.plan ?? 'baton.yaml';
        if (command === 'status' && values.past) return pastRunsCommand(plan, values.json, io);
        if (command === 'status') return await statusCommand(planForStatus(plan, positionals[0] !== undefined || values.plan !== undefined), values.json, values.watch, io);
        if (command === 'queue') return await queueCommand(plan, values.json, io);
        const raw = values['max-workers'];
        const max = raw === undefined ? undefined : Number(raw);
        if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new UsageError('--max-workers takes a whole number of at least 1.');
        return await runCommand(plan, { maxWorkers: max, autoApprove: values['auto-approve'], preReview: values['pre-review'], notes: values.notes }, io);
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
        'conflict-pairs': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        svg: { type: 'string' },
        mermaid: { type: 'boolean', default: false },
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
        return analyzeCommand(plan, values.json, io, { pairs: values['conflict-pairs'] });
      case 'simulate': {
        const raw = values.workers;
        const workers = Number(raw);
        if (raw === undefined || !Number.isInteger(workers) || workers < 1) {
          throw new UsageError('simulate needs --workers K, a whole number of at least 1 (e.g. --workers 3).');
        }
        return simulateCommand(plan, workers, values.json, io);
      }
      case 'graph':
        return graphCommand(plan, { svg: values.svg, mermaid: values.mermaid }, io);
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
      // A queue file that is not one is the person's to fix: its message says how, no stack trace needed.
      io.err(`baton: ${e instanceof QueueFileError ? e.message : ((e as Error).stack ?? e)}`);
      process.exitCode = 1;
    },
  );
}
