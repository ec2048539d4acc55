/**
 * `autolr trace`: replays a schedule over a recorded signal trace and prints
 * the learning rate it gives at each record.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Stream } from '../../random/stream.js';
import { scheduleFromRule, type Schedule } from '../../schedule/schedule.js';
import { replayTrace, TraceError, validateTrace, type Trace, type TraceReplay } from '../../schedule/trace.js';
import { UsageError } from '../errors.js';
import { parseIntegerOption } from '../options.js';
import { resolveRuleArgument } from '../rule-argument.js';
import { renderTable } from '../table.js';

interface TraceOptions {
  rule: string;
  params?: string;
  signals: string;
  seed: number;
  json?: boolean;
  handCoded?: boolean;
}

export function registerTrace(program: Command, out: (s: string) => void): void {
  program
    .command('trace')
    .description('replay a schedule rule over a recorded signal trace and print the rate at each record')
    .requiredOption('--rule <rule>', 'a baseline name (see "autolr list baselines") or dynamic rule text')
    .option('--params <json>', 'baseline parameters as JSON, e.g. \'{"step_size": 500}\'')
    .requiredOption('--signals <file>', 'the trace: JSON as described in docs/rule-language.md ("Signal traces")')
    .option('--seed <n>', 'seed of the random stream (choice, noise, rand, acceptance draws)', parseIntegerOption('--seed', 0, 2 ** 31 - 1), 0)
    .option('--hand-coded', 'run the baseline\'s hand-coded implementation instead of its rule text')
    .option('--json', 'print a JSON array: the rate per record, or {lr, probability, accepted} for rules with an acceptance clause')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  autolr trace --rule dlrs --signals run-epochs.json',
        '  autolr trace --rule clr_triangular2 --params \'{"step_size": 50}\' --signals run-steps.json --json',
        '  autolr trace --rule "epoch: lr * (loss < loss_prev ? 1.05 : 0.5)" --signals run-epochs.json',
        '  autolr trace --rule sgd_sa --signals run-steps.json --seed 3 --hand-coded',
      ].join('\n'),
    )
    .action((options: TraceOptions) => {
      const arg = resolveRuleArgument(options.rule, 'dlr', options.params);
      if (arg.rule.variant !== 'dlr') {
        throw new UsageError(`"${options.rule}" is an adaptive optimizer; trace replays schedule (dlr) rules`);
      }
      let schedule: Schedule;
      if (options.handCoded) {
        const b = arg.baseline;
        if (!b || b.entry.variant !== 'dlr') throw new UsageError('--hand-coded needs the name of a schedule baseline');
        schedule = b.entry.handCoded(b.params);
      } else {
        schedule = scheduleFromRule(arg.rule);
      }
      const trace = readTrace(options.signals);
      let replay: TraceReplay;
      try {
        replay = replayTrace(schedule, trace, new Stream(String(options.seed)));
      } catch (err) {
        if (err instanceof TraceError) throw new UsageError(`${options.signals}: ${err.message}`);
        throw err;
      }
      out(options.json ? formatJson(replay) : formatTable(replay, arg.text));
    });
}

function readTrace(path: string): Trace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the signals file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return validateTrace(json);
  } catch (err) {
    if (err instanceof TraceError) throw new UsageError(`${path}: ${err.message}`);
    throw err;
  }
}

function formatJson(replay: TraceReplay): string {
  return JSON.stringify(replay.points.map((p) => (p.acceptance ? { lr: p.lr, probability: p.acceptance.probability, accepted: p.acceptance.accepted } : p.lr)));
}

function formatTable(replay: TraceReplay, ruleText: string): string {
  const withAcceptance = replay.points.some((p) => p.acceptance);
  const head = ['record', 'epoch', 'step', 'lr', ...(withAcceptance ? ['p(accept)', 'kept'] : [])];
  const rows = replay.points.map((p) => [
    p.index,
    p.epoch,
    p.step,
    String(Number(p.lr.toPrecision(8))),
    ...(p.acceptance ? [Math.min(1, Math.max(0, p.acceptance.probability)).toPrecision(4), p.acceptance.accepted ? 'yes' : 'no'] : []),
  ]);
  const parts = [`rule: ${ruleText}`, renderTable(head, rows)];
  if (replay.acceptance.length > 0) {
    parts.push(
      'acceptance rate per epoch:',
      renderTable(
        ['epoch', 'tried', 'kept', 'rate'],
        replay.acceptance.map((a) => [a.epoch, a.tried, a.accepted, (a.accepted / a.tried).toFixed(3)]),
      ),
    );
  }
  return parts.join('\n');
}
