/**
 * What a baseline is: a known hand-made rule, implemented twice — by hand,
 * close to its paper, and as rule text in the rule language so it can be
 * seeded into a population — with its parameters and where it comes from.
 */
import type { Granularity, Variant } from '../grammar/ast.js';
import type { Schedule } from '../schedule/schedule.js';
import type { BaseOptimizer } from '../schedule/base-optimizer.js';
import { InputError } from '../errors.js';

export interface ParamSpec {
  readonly name: string;
  readonly description: string;
  /** A number, or a list of numbers (SGD-SA's rate set H). */
  readonly default: number | readonly number[];
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  readonly min?: number;
  readonly exclusiveMin?: boolean;
  readonly max?: number;
  readonly exclusiveMax?: boolean;
  readonly integer?: boolean;
}

export type ParamValues = Readonly<Record<string, number | readonly number[]>>;

/** The base optimizer a schedule drives (the one list lives in src/schedule). */
export type { BaseOptimizer };

interface BaselineCommon {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly reference: string;
  readonly params: readonly ParamSpec[];
  /** Checks relations between parameters (single values are checked against their specs first). */
  readonly check?: (p: ParamValues) => string | undefined;
  /** The rule text, with the parameters written in. */
  readonly ruleText: (p: ParamValues) => string;
}

export interface DlrBaseline extends BaselineCommon {
  readonly variant: 'dlr';
  readonly granularity: Granularity;
  readonly optimizer: BaseOptimizer;
  /** A fresh hand-coded schedule (it may keep state, so one per run). */
  readonly handCoded: (p: ParamValues) => Schedule;
}

/**
 * A hand-coded per-weight optimizer in optax's shape, on plain arrays:
 * states start at zero; `update` returns the amount to subtract from each weight.
 */
export interface HandOptimizer {
  init(size: number): Float64Array[];
  update(grad: Float64Array, state: Float64Array[], lr: number, step: number): Float64Array;
}

export interface AlrBaseline extends BaselineCommon {
  readonly variant: 'alr';
  readonly handCoded: (p: ParamValues) => HandOptimizer;
}

export type Baseline = DlrBaseline | AlrBaseline;

export class BaselineError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'BaselineError';
  }
}

export function isVariant(b: Baseline, v: Variant): boolean {
  return b.variant === v;
}
