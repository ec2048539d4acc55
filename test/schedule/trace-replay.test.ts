import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseRule } from '../../src/grammar/parser.js';
import { NO_RANDOMNESS } from '../../src/grammar/interpreter.js';
import { scheduleFromRule } from '../../src/schedule/schedule.js';
import { replayTrace, type Trace } from '../../src/schedule/trace.js';

test('loss_prev and acc_prev are the values at the latest earlier epoch, in whatever order records come', () => {
  const lossPrev = scheduleFromRule(parseRule('epoch: loss_prev', 'dlr') as Extract<ReturnType<typeof parseRule>, { variant: 'dlr' }>);
  const accPrev = scheduleFromRule(parseRule('epoch: acc_prev', 'dlr') as Extract<ReturnType<typeof parseRule>, { variant: 'dlr' }>);
  fc.assert(
    fc.property(
      fc.array(fc.record({ epoch: fc.integer({ min: 0, max: 12 }), loss: fc.double({ min: 0.01, max: 5, noNaN: true }), acc: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 40 }),
      (records) => {
        const trace: Trace = { granularity: 'epoch', lr0: 0.1, epochs: 20, records };
        // The definition, read naively: among the records before this one, the latest (by epoch)
        // epoch below this record's, and the value last recorded for it; else this record's own.
        const expected = (field: 'loss' | 'acc'): number[] =>
          records.map((r, i) => {
            const earlier = records.slice(0, i).filter((e) => e.epoch < r.epoch);
            if (earlier.length === 0) return r[field];
            const latest = Math.max(...earlier.map((e) => e.epoch));
            return (earlier.filter((e) => e.epoch === latest).at(-1) as (typeof records)[number])[field];
          });
        assert.deepEqual(replayTrace(lossPrev, trace, NO_RANDOMNESS).points.map((p) => p.lr), expected('loss'));
        assert.deepEqual(replayTrace(accPrev, trace, NO_RANDOMNESS).points.map((p) => p.lr), expected('acc'));
      },
    ),
  );
});
