/** Both implementations of a schedule baseline, for checks that must hold of each. */
import assert from 'node:assert/strict';
import { baselineRule, getBaseline } from '../../src/baselines/registry.js';
import type { DlrBaseline } from '../../src/baselines/types.js';
import { scheduleFromRule, type Schedule } from '../../src/schedule/schedule.js';

export function bothSchedules(name: string, params: Record<string, unknown> = {}): Array<[string, Schedule]> {
  const b = getBaseline(name) as DlrBaseline;
  const { rule, params: resolved } = baselineRule(b, params);
  assert.equal(rule.variant, 'dlr');
  return [
    ['hand-coded', b.handCoded(resolved)],
    ['rule', scheduleFromRule(rule as Extract<typeof rule, { variant: 'dlr' }>)],
  ];
}
