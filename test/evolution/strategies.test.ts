import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Grammar } from '../../src/grammar/bnf.js';
import { MappingError, randomGenotype, type Mapped } from '../../src/grammar/genotype.js';
import { printRule } from '../../src/grammar/printer.js';
import { EvaluatorPool } from '../../src/evaluator/pool.js';
import { initBackend } from '../../src/evaluator/backend.js';
import { runCampaign } from '../../src/evolution/campaign.js';
import { resolveConfig, type CampaignConfig } from '../../src/evolution/config.js';
import type { Evaluated, Individual } from '../../src/evolution/individual.js';
import type { SearchStrategy, StrategyKind } from '../../src/evolution/search-strategy.js';
import { lookupStrategy, registerStrategy, strategyNames } from '../../src/evolution/strategies.js';
import { DEFAULT_STRATEGY } from '../../src/evolution/strategy.js';
import { defaultConfig } from '../../src/evolution/config.js';
import { Stream, type StreamState } from '../../src/random/stream.js';

interface RestartsState {
  readonly stream: StreamState;
  readonly generation: number;
  readonly nextId: number;
  readonly initial: readonly Individual[];
  readonly pending: readonly Individual[] | null;
  readonly best: Evaluated | null;
}

/** A second strategy, written as a plug-in would be: every batch is the seeds (first) and fresh random rules. */
class RandomRestarts implements SearchStrategy {
  private readonly stream: Stream;
  private generation = 0;
  private nextId = 0;
  private initial: Individual[] = [];
  private pending: Individual[] | null = null;
  private bestEver: Evaluated | null = null;

  constructor(
    private readonly grammar: Grammar,
    private readonly size: number,
    stream: Stream,
    state?: RestartsState,
  ) {
    this.stream = state ? new Stream(stream.seed, state.stream) : stream;
    if (state) {
      this.generation = state.generation;
      this.nextId = state.nextId;
      this.initial = [...state.initial];
      this.pending = state.pending ? [...state.pending] : null;
      this.bestEver = state.best;
    }
  }

  seed(initial: readonly Individual[]): readonly Individual[] {
    const added = initial.map((ind) => ({ ...ind, id: `r0-${this.nextId++}` }));
    this.initial.push(...added);
    return added;
  }

  ask(): Individual[] {
    if (this.pending) return [...this.pending];
    const batch = [...this.initial];
    this.initial = [];
    while (batch.length < this.size) {
      let m: Mapped | undefined;
      while (!m || m.expansions > 64) {
        try {
          m = randomGenotype(this.grammar, this.stream, Math.min(this.grammar.initDepth, 4));
        } catch (err) {
          if (!(err instanceof MappingError)) throw err;
        }
      }
      batch.push({ id: `r${this.generation}-${this.nextId++}`, genotype: m.genotype, text: printRule(m.rule), origin: { kind: 'random' }, birth: this.generation });
    }
    this.pending = batch;
    return [...batch];
  }

  tell(evaluated: ReadonlyArray<{ readonly id: string; readonly fitness: number }>): void {
    for (const { id, fitness } of evaluated) {
      const ind = this.pending?.find((i) => i.id === id);
      if (ind && (this.bestEver === null || fitness > this.bestEver.fitness)) this.bestEver = { ...ind, fitness };
    }
    this.pending = null;
    this.generation++;
  }

  best(): Evaluated | undefined {
    return this.bestEver ?? undefined;
  }

  snapshot(): RestartsState {
    return JSON.parse(
      JSON.stringify({ stream: this.stream.state(), generation: this.generation, nextId: this.nextId, initial: this.initial, pending: this.pending, best: this.bestEver }),
    ) as RestartsState;
  }
}

const restarts: StrategyKind = {
  name: 'random-restarts',
  description: 'seeds and fresh random rules every generation (a test strategy)',
  create: ({ grammar, config, stream, state }) => new RandomRestarts(grammar, config.population, stream, state as RestartsState | undefined),
};

let pool: EvaluatorPool;
const runs = mkdtempSync(join(tmpdir(), 'autolr-strategies-'));

before(async () => {
  await initBackend('wasm');
  pool = await EvaluatorPool.create({ workers: 0, backend: 'wasm', timeLimitMs: 120_000 });
  registerStrategy(restarts);
});
after(async () => {
  await pool.close();
});

function config(name: string): CampaignConfig {
  return resolveConfig({ name, tasks: ['synthetic'], strategy: 'random-restarts', population: 4, generations: 2, seeds: ['constant'], workers: 0, backend: 'wasm', finalSeeds: 1, hallOfFame: 2 });
}

test('a second strategy runs campaigns once registered, with no change to the campaign, and resumes from its own snapshot', async () => {
  assert.deepEqual(strategyNames(), ['sge', 'random-restarts']);
  const whole = await runCampaign(config('restarts'), { runsDir: runs, evaluator: pool });
  const events = readFileSync(join(runs, 'restarts', 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; id?: string });
  assert.deepEqual(
    events.filter((e) => e.type === 'evaluation').map((e) => e.id),
    ['r0-0', 'r0-1', 'r0-2', 'r0-3', 'r1-4', 'r1-5', 'r1-6', 'r1-7'],
  );
  assert.ok(whole.hallOfFame.length > 0);
  await assert.rejects(
    runCampaign(config('restarts-killed'), {
      runsDir: runs,
      evaluator: pool,
      afterCheckpoint: () => {
        throw new Error('simulated crash');
      },
    }),
    /simulated crash/,
  );
  const resumed = await runCampaign(config('restarts-killed'), { runsDir: runs, evaluator: pool, resume: true });
  assert.deepEqual(
    resumed.hallOfFame.map((h) => [h.id, h.combined, h.test]),
    whole.hallOfFame.map((h) => [h.id, h.combined, h.test]),
  );
  assert.equal(JSON.parse(readFileSync(join(runs, 'restarts', 'config.json'), 'utf8')).strategy, 'random-restarts');
});

test('a config names only known strategies, and one that names none records none (SGE, as every earlier campaign)', () => {
  assert.throws(() => resolveConfig({ tasks: ['synthetic'], strategy: 'annealing' }), /"strategy" must be one of sge/);
  assert.equal('strategy' in resolveConfig({ tasks: ['synthetic'] }), false);
  assert.equal(lookupStrategy('sge').name, 'sge');
  assert.throws(() => registerStrategy(restarts), /already registered/);
});

test('campaign defaults and strategy defaults are one set', () => {
  const d = defaultConfig('dlr');
  assert.deepEqual(
    [d.population, d.elites, d.tournamentSize, d.crossoverProbability, d.mutationRate, d.constantMutationProbability, d.constantSigma, d.mode],
    [
      DEFAULT_STRATEGY.populationSize,
      DEFAULT_STRATEGY.elites,
      DEFAULT_STRATEGY.tournamentSize,
      DEFAULT_STRATEGY.crossoverProbability,
      DEFAULT_STRATEGY.mutationRate,
      DEFAULT_STRATEGY.constantMutationProbability,
      DEFAULT_STRATEGY.constantSigma,
      DEFAULT_STRATEGY.mode,
    ],
  );
  // What campaigns have always run.
  assert.deepEqual([d.elites, d.crossoverProbability, d.mutationRate], [2, 0.7, 0.1]);
});
