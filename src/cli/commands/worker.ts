/**
 * `autolr worker`: takes the jobs of campaigns run with `--queue` and runs
 * them in this machine's own pool (src/queue/worker.ts), until Ctrl-C.
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { BACKEND_CHOICES, initBackend, type BackendChoice } from '../../evaluator/backend.js';
import { QueueWorker } from '../../queue/worker.js';
import { parseQueueUrl } from '../../queue/url.js';
import { parseChoiceOption, parseIntegerOption } from '../options.js';

interface WorkerOptions {
  queue: string;
  workers?: number;
  backend: BackendChoice;
  dataDir?: string;
  stallMs: number;
  jobRunner?: string;
}

export function registerWorker(program: Command, out: (s: string) => void, err: (s: string) => void): void {
  program
    .command('worker')
    .description('take the jobs of campaigns run with --queue and train them on this machine, until Ctrl-C')
    .requiredOption('--queue <url>', 'the Redis queue: redis://[user:password@]host:port[/db], rediss:// for TLS')
    .option('--workers <n>', 'jobs run at once, each in its own thread (default: the number of cores)', parseIntegerOption('--workers', 1, 256))
    .option('--backend <backend>', `tfjs backend: ${BACKEND_CHOICES.join(', ')}`, parseChoiceOption('--backend', BACKEND_CHOICES), 'auto')
    .option('--data-dir <dir>', 'where this machine keeps dataset files (replaces the campaign\'s own data folder)')
    .option('--stall-ms <ms>', 'how long the job of a worker that died waits before another worker takes it', parseIntegerOption('--stall-ms', 1000, 3_600_000), 30_000)
    // Test fixtures only (a module whose default export replaces the job runner; see src/evaluator/pool.ts).
    .addOption(new Option('--job-runner <module>').hideHelp())
    .addHelpText(
      'after',
      [
        '',
        'Ctrl-C finishes the jobs in hand and then stops; a second Ctrl-C stops at once, and',
        'the jobs in hand go to another worker after --stall-ms.',
        '',
        'Examples:',
        '  autolr worker --queue redis://10.0.0.5:6379',
        '  autolr worker --queue rediss://autolr:secret@queue.example.org:6380/2 --workers 4 --backend webgpu',
      ].join('\n'),
    )
    .action(async (options: WorkerOptions) => {
      const address = parseQueueUrl(options.queue);
      const workers = options.workers ?? availableParallelism();
      // The backend comes up here first, so a missing one ends the command before any job is taken.
      const backend = await initBackend(options.backend);
      const adapter = backend.adapter !== undefined ? `${backend.adapter.vendor} ${backend.adapter.description || backend.adapter.device}`.trim() : undefined;
      const worker = await QueueWorker.start({
        address,
        workers,
        backend: options.backend,
        ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
        stallMs: options.stallMs,
        ...(options.jobRunner !== undefined ? { jobRunner: options.jobRunner } : {}),
        describe: { backend: backend.name, ...(adapter !== undefined ? { adapter } : {}) },
        log: (line) => out(`${new Date().toISOString().slice(11, 19)} ${line}`),
      });
      out(`worker ${worker.name}: ${workers} thread(s) on ${backend.name}${adapter !== undefined ? ` (${adapter})` : ''}, taking jobs from ${address.redacted}; Ctrl-C to stop`);
      await new Promise<void>((resolveStopped) => {
        const stop = (): void => {
          err(`stopping: finishing the ${worker.busy} job(s) in hand (Ctrl-C again to stop at once; they then go to another worker)`);
          process.once('SIGINT', () => {
            err('stopped at once; the jobs in hand go to another worker after stall detection');
            process.exit(130);
          });
          void worker.close().then(() => {
            err('worker stopped');
            resolveStopped();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
