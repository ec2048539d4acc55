/**
 * The report's plots as Vega-Lite specifications: pure functions from campaign
 * data to specs, rendered to SVG by svg.ts. Data is inlined (no URLs), so the
 * rendered report needs nothing at view time.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EventLog, GenerationRow } from './events.js';

export interface CurveSeries {
  /** Legend label, e.g. "#1 g10-190" or "dlrs". */
  readonly label: string;
  readonly kind: 'evolved' | 'baseline';
  readonly lr: readonly number[];
  readonly loss: readonly number[];
}

/** The line-style legend of the curve plots: evolved rules solid, seeded baselines dashed. */
const KIND_LEGEND: Readonly<Record<CurveSeries['kind'], string>> = { evolved: 'evolved rule', baseline: 'seeded baseline' };

const WIDTH = 560;
const HEIGHT = 240;

/**
 * The one number format of every logarithmic axis: Vega's default prints
 * 0.001 beside 2e-4 on one axis; "1e-3", "2e-4", "5e+0" read alike at every
 * magnitude.
 */
export const LOG_AXIS_FORMAT = '.0e';

const base = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: WIDTH,
  height: HEIGHT,
  background: 'white',
  config: { font: 'sans-serif', legend: { labelLimit: 260 } },
} as const;

/** A horizontal reference line on the score plots: the best seeded baseline's search score. */
export interface BaselineLevel {
  /** The baseline's name, e.g. "cosine". */
  readonly name: string;
  /** Its combined search score at full fidelity, on the same scale as the candidates'. */
  readonly score: number;
}

/**
 * Best so far, best and median per generation, and — so the plot answers
 * "did the search get past the baselines" at a glance — the best seeded
 * baseline's score as a dashed horizontal line with its name.
 */
export function scoreByGenerationChart(rows: readonly GenerationRow[], baseline?: BaselineLevel): TopLevelSpec {
  const values = rows.flatMap((r) => [
    ...(r.bestSoFar !== null ? [{ generation: r.generation + 1, score: r.bestSoFar, series: 'best so far (full fidelity)' }] : []),
    { generation: r.generation + 1, score: r.bestThisGeneration, series: 'best of the generation' },
    { generation: r.generation + 1, score: r.median, series: 'median of the generation' },
  ]);
  const baselineSeries = baseline ? `best seeded baseline (${baseline.name})` : undefined;
  const domain = ['best so far (full fidelity)', 'best of the generation', 'median of the generation', ...(baselineSeries ? [baselineSeries] : [])];
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain, range: ['#4c78a8', '#f58518', '#54a24b', '#222222'] } } as const;
  const y = { field: 'score', type: 'quantitative', title: 'combined search score (higher is better)', scale: { zero: false } } as const;
  return {
    ...base,
    title: 'Score per generation',
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: { x: { field: 'generation', type: 'quantitative', title: 'generation', axis: { tickMinStep: 1 } }, y, color },
      },
      ...(baseline && baselineSeries
        ? [
            {
              data: { values: [{ score: baseline.score, series: baselineSeries, label: `${baseline.name}: ${baseline.score.toFixed(4)}` }] },
              layer: [
                { mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { y, color } },
                {
                  mark: { type: 'text', align: 'right', baseline: 'bottom', dx: -2, dy: -3, fontSize: 11 },
                  encoding: { y, x: { value: WIDTH }, text: { field: 'label', type: 'nominal' }, color: { value: '#222222' } },
                },
              ],
            } as const,
          ]
        : []),
    ],
  } as TopLevelSpec;
}

export function scoreByTimeChart(rows: readonly GenerationRow[], log: EventLog): TopLevelSpec {
  const endOf = new Map(rows.map((r) => [r.generation, r.elapsedS / 60]));
  const points = log.evaluations.flatMap((e) => {
    const t = endOf.get(e.generation);
    return t === undefined ? [] : [{ minutes: t, score: e.combined, level: e.level === 'full' ? 'full fidelity' : 'cheap only' }];
  });
  const best = rows.flatMap((r) => (r.bestSoFar !== null ? [{ minutes: r.elapsedS / 60, score: r.bestSoFar }] : []));
  return {
    ...base,
    title: 'Score against wall time',
    layer: [
      {
        data: { values: points },
        mark: { type: 'point', opacity: 0.45, filled: true, size: 22 },
        encoding: {
          x: { field: 'minutes', type: 'quantitative', title: 'campaign wall time (minutes, at the end of each generation)' },
          y: { field: 'score', type: 'quantitative', title: 'combined score' },
          color: { field: 'level', type: 'nominal', title: 'candidate' },
        },
      },
      {
        data: { values: best },
        mark: { type: 'line', interpolate: 'step-after', color: 'black' },
        encoding: { x: { field: 'minutes', type: 'quantitative' }, y: { field: 'score', type: 'quantitative' } },
      },
    ],
  };
}

export function cacheAndPromotionChart(rows: readonly GenerationRow[]): TopLevelSpec {
  const values = rows.flatMap((r) => [
    { generation: r.generation + 1, rate: r.cacheHitRate, series: 'cache hits ÷ look-ups' },
    { generation: r.generation + 1, rate: r.promotionRate, series: 'promoted ÷ candidates' },
  ]);
  return {
    ...base,
    title: 'Cache hits and promotions per generation',
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'generation', type: 'quantitative', title: 'generation', axis: { tickMinStep: 1 } },
      y: { field: 'rate', type: 'quantitative', title: 'rate', axis: { format: '%' }, scale: { domain: [0, 1] } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

/**
 * Per-epoch curves of evolved rules (solid) beside the seeded baselines (dashed). The
 * axis is logarithmic, so non-positive values (a rate of 0, say) are left out
 * and counted in the subtitle.
 */
export function curveChart(task: string, quantity: 'lr' | 'loss', series: readonly CurveSeries[]): TopLevelSpec {
  let dropped = 0;
  const values = series.flatMap((s) =>
    s[quantity].flatMap((v, epoch) => {
      if (!(v > 0) || !Number.isFinite(v)) {
        dropped++;
        return [];
      }
      return [{ epoch: epoch + 1, value: v, rule: s.label, kind: KIND_LEGEND[s.kind] }];
    }),
  );
  const what = quantity === 'lr' ? 'Learning rate' : 'Training loss';
  return {
    ...base,
    title: {
      text: `${what} per epoch on ${task}`,
      ...(dropped > 0 ? { subtitle: `${dropped} non-positive or non-finite value(s) left out of the log scale` } : {}),
    },
    data: { values },
    mark: { type: 'line', strokeWidth: 1.6 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: quantity === 'lr' ? 'learning rate' : 'loss', scale: { type: 'log' }, axis: { format: LOG_AXIS_FORMAT } },
      color: { field: 'rule', type: 'nominal', title: 'rule', scale: { scheme: 'tableau20' }, sort: series.map((s) => s.label) },
      strokeDash: { field: 'kind', type: 'nominal', title: null, scale: { domain: [KIND_LEGEND.evolved, KIND_LEGEND.baseline], range: [[1, 0], [5, 3]] } },
    },
  };
}
