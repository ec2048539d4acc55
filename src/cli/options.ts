/** Parsers for option values, so every command refuses bad numbers the same way. */
import { InvalidArgumentError } from 'commander';
import { BudgetError, parseBudgetOverride, type BudgetOverride } from '../tasks/budgets.js';

export function parseIntegerOption(name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, not "${value}"`);
    }
    return n;
  };
}

export function parseChoiceOption<T extends string>(name: string, choices: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${name} must be one of ${choices.join(', ')}, not "${value}"`);
    }
    return value as T;
  };
}

export function parsePositiveNumberOption(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, not "${value}"`);
    return n;
  };
}

/** A budget override as JSON, the shape of a campaign config's "budgets": '{"full": {"epochs": 150}}'. */
export function parseBudgetsOption(name: string): (value: string) => BudgetOverride {
  return (value: string) => {
    let raw: unknown;
    try {
      raw = JSON.parse(value);
    } catch (err) {
      throw new InvalidArgumentError(`${name} is not valid JSON (${(err as Error).message}); e.g. '{"full": {"epochs": 150}}'`);
    }
    try {
      return parseBudgetOverride(raw, name);
    } catch (err) {
      if (err instanceof BudgetError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}
