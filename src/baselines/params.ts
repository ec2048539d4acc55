/**
 * Baseline parameters: defaults, validation with messages that name the
 * parameter, and typed access for the implementations.
 */
import { formatNumber } from '../grammar/printer.js';
import { BaselineError, type Baseline, type ParamSpec, type ParamValues } from './types.js';

/** A scalar parameter (the spec guarantees the type once resolved). */
export function scalar(p: ParamValues, name: string): number {
  const v = p[name];
  if (typeof v !== 'number') throw new BaselineError(`parameter ${name} must be a number`);
  return v;
}

/** A list parameter. */
export function list(p: ParamValues, name: string): readonly number[] {
  const v = p[name];
  if (!Array.isArray(v)) throw new BaselineError(`parameter ${name} must be a list of numbers`);
  return v as readonly number[];
}

/** A number as rule text, exactly (the rule reads back the same double). */
export const lit = formatNumber;

function checkValue(baseline: string, spec: ParamSpec, v: number, where: string): void {
  const bad = (why: string): never => {
    throw new BaselineError(`${baseline}: ${where} ${why}, not ${v}`);
  };
  if (!Number.isFinite(v)) bad('must be a finite number');
  if (spec.integer && !Number.isInteger(v)) bad('must be an integer');
  if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) {
    bad(`must be ${spec.exclusiveMin ? 'greater than' : 'at least'} ${spec.min}`);
  }
  if (spec.max !== undefined && (spec.exclusiveMax ? v >= spec.max : v > spec.max)) {
    bad(`must be ${spec.exclusiveMax ? 'less than' : 'at most'} ${spec.max}`);
  }
}

/**
 * Fills defaults and checks every value: unknown names, wrong types, ranges,
 * and the baseline's own relations between parameters.
 */
export function resolveParams(baseline: Baseline, given: Readonly<Record<string, unknown>> = {}): ParamValues {
  const out: Record<string, number | readonly number[]> = {};
  const known = baseline.params.map((s) => s.name);
  for (const name of Object.keys(given)) {
    if (!known.includes(name)) {
      throw new BaselineError(
        `${baseline.name} has no parameter "${name}"${known.length > 0 ? ` (its parameters: ${known.join(', ')})` : ' (it takes no parameters)'}`,
      );
    }
  }
  for (const spec of baseline.params) {
    const v = Object.hasOwn(given, spec.name) ? given[spec.name] : spec.default;
    if (Array.isArray(spec.default)) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) {
        throw new BaselineError(`${baseline.name}: ${spec.name} must be a list of numbers`);
      }
      if (v.length === 0) throw new BaselineError(`${baseline.name}: ${spec.name} must not be empty`);
      v.forEach((x: number, i) => checkValue(baseline.name, spec, x, `${spec.name}[${i}]`));
      out[spec.name] = [...(v as number[])];
    } else {
      if (typeof v !== 'number') throw new BaselineError(`${baseline.name}: ${spec.name} must be a number, not ${JSON.stringify(v)}`);
      checkValue(baseline.name, spec, v, spec.name);
      out[spec.name] = v;
    }
  }
  const relation = baseline.check?.(out);
  if (relation !== undefined) throw new BaselineError(`${baseline.name}: ${relation}`);
  return out;
}

/** Parameters as `name=value` text, for tables and headers. */
export function describeParams(p: ParamValues): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${(v as number[]).join(', ')}]` : String(v)}`)
    .join(' ');
}
