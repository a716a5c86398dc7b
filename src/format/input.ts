// Opening what report and info read: a path, `-` for standard input, a pipe
// or FIFO. Inputs that are not regular files are read once, front to back.
import * as fs from 'node:fs';

/** The input cannot be read at all: missing, a directory, no permission. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** The file name that means standard input. */
export const STDIN = '-';

const OPEN_FAILURES: Record<string, string> = {
  ENOENT: 'no such file', EACCES: 'permission denied', EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory', ELOOP: 'too many symbolic links', ENXIO: 'no reader or writer at the other end',
};

export function openInput(source: string, name: string): number {
  if (source === STDIN) return 0;
  try {
    return fs.openSync(source, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = OPEN_FAILURES[code];
    throw new InputError(why ? `cannot read ${name}: ${why} (${code})` : `cannot read ${name}: ${(err as Error).message}`);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Reads what a pipe has (up to `length`); 0 at its end. */
export function readSequential(fd: number, buf: Uint8Array, offset: number, length: number): number {
  for (;;) {
    try {
      return fs.readSync(fd, buf, offset, length, null);
    } catch (err) {
      // A non-blocking standard input with nothing in it yet: wait for the writer.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

/** An input that is not a regular file: read once, front to back, never by offset. */
export interface SequentialInput {
  fd: number;
  /** Close it when done (not standard input). */
  own: boolean;
  /** Bytes read so far. */
  read: number;
  consumed: boolean;
}
