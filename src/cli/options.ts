/** Parsers for option values, so every command refuses bad numbers the same way. */
import { InvalidArgumentError } from 'commander';

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
