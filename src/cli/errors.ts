// How the CLI reports failures: one line on stderr, and an exit code.
import { WhenError } from '../replay/when';
import { InputError } from '../format/input';
import { NotATraceError } from '../format/reader';

/** Bad command line: exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export const EXIT_CODES_HELP = `Exit codes:
  0  done (also when a trace was cut short: what could be read is shown and a
     warning says where it stops)
  1  failure (e.g. a read error midway, or some of several --separate files)
  2  usage error (unknown command or option, bad value, unknown marker) or bad
     input: a FILE that is missing, unreadable or a directory, or that holds
     no alloctrace trace (not one decodable record)`;

export function say(message: string): void {
  process.stderr.write(`alloctrace: ${message}\n`);
}

/** The error's one-line message, as reportFailure prints it. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0];
  const e = err as { message?: unknown };
  if (e && typeof e === 'object' && typeof e.message === 'string') return e.message.split('\n')[0];
  return String(err);
}

/** The exit code an error stands for (see EXIT_CODES_HELP). */
export function exitCodeOf(err: unknown): number {
  return err instanceof UsageError || err instanceof InputError || err instanceof NotATraceError || err instanceof WhenError
    ? EXIT_USAGE : EXIT_FAILURE;
}

/** Prints the error as one line and returns its exit code. */
export function reportFailure(err: unknown): number {
  // ENOENT and the like already name the file: "no such file or directory, open 'x.atrace'".
  // parseArgs errors carry codes like ERR_PARSE_ARGS_UNKNOWN_OPTION (handled by callers).
  say(errorMessage(err));
  return exitCodeOf(err);
}

/** node:util parseArgs errors are usage errors; give them a short line. */
export function usageFromParseArgs(err: unknown, command: string): UsageError | null {
  const e = err as { code?: unknown; message?: unknown };
  if (e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS') && typeof e.message === 'string') {
    const first = e.message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
    return new UsageError(`${command}: ${first} (see alloctrace ${command} --help)`);
  }
  return null;
}
