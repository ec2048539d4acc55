/** Random signal traces and baseline parameters for the baseline agreement tests. */
import fc from 'fast-check';
import type { Baseline, ParamSpec } from '../../src/baselines/types.js';
import { resolveParams } from '../../src/baselines/params.js';
import type { Trace, TraceRecord } from '../../src/schedule/trace.js';

const loss = fc.double({ min: 0.01, max: 5, noNaN: true });

/** Epoch traces: each record a completed epoch with its minibatch losses and accuracy. */
export const epochTraceArb: fc.Arbitrary<Trace> = fc
  .record({
    lr0: fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
    records: fc.array(
      fc.record({ batch_losses: fc.array(loss, { minLength: 1, maxLength: 6 }), acc: fc.double({ min: 0, max: 1, noNaN: true }) }),
      { minLength: 1, maxLength: 25 },
    ),
  })
  .map(({ lr0, records }) => ({ granularity: 'epoch' as const, lr0, records }));

/** Step traces: minibatch losses, the loss change of a tentative step, epochs of a fixed length. */
export const stepTraceArb: fc.Arbitrary<Trace> = fc
  .record({
    lr0: fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
    stepsPerEpoch: fc.integer({ min: 1, max: 8 }),
    firstStep: fc.integer({ min: 0, max: 20_000 }),
    // Loss changes as training produces them: zero, or at least 1e-9 in size (not subnormal).
    steps: fc.array(
      fc.record({
        batch_loss: loss,
        dloss: fc.oneof(fc.constant(0), fc.double({ min: 1e-9, max: 2, noNaN: true }), fc.double({ min: -2, max: -1e-9, noNaN: true })),
      }),
      { minLength: 1, maxLength: 60 },
    ),
  })
  .map(({ lr0, stepsPerEpoch, firstStep, steps }) => ({
    granularity: 'step' as const,
    lr0,
    steps_per_epoch: stepsPerEpoch,
    records: steps.map(
      (s, i): TraceRecord => ({ ...s, step: firstStep + i, epoch: Math.floor((firstStep + i) / stepsPerEpoch) }),
    ),
  }));

function valueArb(spec: ParamSpec): fc.Arbitrary<number> {
  const lo = spec.min ?? -1;
  const hi = spec.max ?? (spec.integer ? 5000 : Math.max(lo + 1, 2));
  if (spec.integer) return fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) });
  return fc
    .double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true })
    .filter((v) => !(spec.exclusiveMin && v <= lo) && !(spec.exclusiveMax && v >= hi));
}

/** Valid random parameters of a baseline (relations between parameters respected). */
export function paramsArb(baseline: Baseline): fc.Arbitrary<Record<string, number | number[]>> {
  const entries = baseline.params.map((spec) => [
    spec.name,
    Array.isArray(spec.default) ? fc.array(valueArb(spec), { minLength: 1, maxLength: 6 }) : valueArb(spec),
  ]);
  return fc
    .record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<number | number[]>>)
    .filter((p) => {
      try {
        resolveParams(baseline, p);
        return true;
      } catch {
        return false;
      }
    });
}
