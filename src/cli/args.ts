// Command lines of the subcommands: node:util's parseArgs errors turned into
// one-line usage errors naming the command.
import { UsageError, usageFromParseArgs } from './errors';

/** Runs `parse` (a parseArgs call), rethrowing its errors as UsageErrors. */
export function parseCommandArgs<R>(command: string, parse: () => R): R {
  try {
    return parse();
  } catch (err) {
    throw usageFromParseArgs(err, command) ?? err;
  }
}

/** A whole number of at least `min` from an option's text, or a usage error naming the option. */
function wholeNumber(option: string, value: string | number, min: number, words: string): number {
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${option} must be a whole number ${words}, not "${value}"`);
  return n;
}

/** --top N: entries shown, at least 1; `fallback` when not given. */
export function checkTop(value: string | number | undefined, fallback = 10): number {
  return value === undefined ? fallback : wholeNumber('--top', value, 1, 'above 0');
}

/** --points N: moments of a series, at least 2. */
export function checkPoints(value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : wholeNumber('--points', value, 2, 'of at least 2');
}
