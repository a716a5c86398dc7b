// Command lines of the subcommands: node:util's parseArgs errors turned into
// one-line usage errors naming the command.
import { usageFromParseArgs } from './errors';

/** Runs `parse` (a parseArgs call), rethrowing its errors as UsageErrors. */
export function parseCommandArgs<R>(command: string, parse: () => R): R {
  try {
    return parse();
  } catch (err) {
    throw usageFromParseArgs(err, command) ?? err;
  }
}
