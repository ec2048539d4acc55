/**
 * The `autolr` command line. Each subcommand lives in its own module under
 * commands/; this file wires them up and turns errors into exit codes:
 * 0 success, 2 bad usage or input, 1 internal failure.
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerBaselines } from './commands/baselines.js';
import { registerCheck } from './commands/check.js';
import { registerCompare } from './commands/compare.js';
import { registerEval } from './commands/eval.js';
import { registerEvolve } from './commands/evolve.js';
import { registerExport } from './commands/export.js';
import { registerGrammar } from './commands/grammar.js';
import { registerInit } from './commands/init.js';
import { registerHof } from './commands/hof.js';
import { registerList } from './commands/list.js';
import { registerReport } from './commands/report.js';
import { registerTrace } from './commands/trace.js';
import { registerQueue } from './commands/queue.js';
import { registerWorker } from './commands/worker.js';
import { InputError } from '../errors.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './errors.js';

export interface Io {
  out(s: string): void;
  err(s: string): void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
};

export function buildProgram(io: Io): Command {
  const program = new Command('autolr')
    .description('Discover learning-rate schedules and adaptive optimizers by grammar-based evolution')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  registerBaselines(program, io.out);
  registerCheck(program, io.out);
  registerCompare(program, io.out);
  registerEval(program, io.out);
  registerEvolve(program, io.out, io.err);
  registerExport(program, io.out, io.err);
  registerGrammar(program, io.out);
  registerHof(program, io.out);
  registerInit(program, io.out);
  registerList(program, io.out);
  registerReport(program, io.out);
  registerTrace(program, io.out);
  registerWorker(program, io.out, io.err);
  registerQueue(program, io.out);
  for (const sub of program.commands) sub.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/** Runs the command line; resolves to the exit code instead of exiting, so it can be tested in-process. */
export async function run(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv as string[]);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with code 0.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    // Every error about the user's input (src/errors.ts) carries a message meant for them.
    if (err instanceof InputError) {
      io.err(`autolr: ${err.message}`);
      return EXIT_USAGE;
    }
    io.err(`autolr: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT_INTERNAL;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await run(process.argv);
}
