import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignalTracker } from '../../src/schedule/tracker.js';

test('the tracker keeps the signals as docs/rule-language.md defines them', () => {
  const t = new SignalTracker({ lr0: 0.1, epochs: 5, stepsPerEpoch: 3 });
  assert.deepEqual(t.signals(), {
    epoch: 0, epochs: 5, step: 0, steps_per_epoch: 3, lr: 0.1, lr0: 0.1,
    loss: 0, loss_prev: 0, loss_first: 0, loss_last: 0, loss_best: 0, acc: 0, acc_prev: 0, batch_loss: 0,
  });
  for (const l of [3, 2, 1]) t.recordStep(l);
  assert.equal(t.signals().batch_loss, 1);
  assert.equal(t.signals().step, 3);
  t.endEpoch(0.5);
  let s = t.signals();
  assert.deepEqual([s.epoch, s.loss, s.loss_prev, s.loss_first, s.loss_last, s.loss_best, s.acc, s.acc_prev], [1, 2, 2, 3, 1, 2, 0.5, 0.5]);
  t.setLr(0.05);
  for (const l of [4, 5, 6]) t.recordStep(l);
  t.endEpoch(0.4);
  s = t.signals();
  assert.deepEqual([s.epoch, s.step, s.lr, s.loss, s.loss_prev, s.loss_first, s.loss_last, s.loss_best, s.acc, s.acc_prev], [2, 6, 0.05, 5, 2, 4, 6, 2, 0.4, 0.5]);
  assert.equal(t.signals({ batch_loss: 9, dloss: -1 }).dloss, -1);
});
