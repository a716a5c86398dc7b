// The in-process API, tracemalloc's in TypeScript's idiom. Snapshots come from
// the same encoder output and the same reader as trace files. The model (and
// protobufjs with it) loads on first use, so start() stays cheap.
import type * as Model from './model';
import { DEFAULTS, OptionError, TracerOptions, checkNumber } from './options';
import { loadNative } from './native';
import { startTracing } from './tracer';
import { warn } from './warn';

export interface StartOptions {
  /** Trace file to stream to (%p, %t, %h, %d expand). Omit to keep traces in memory only. */
  file?: string;
  /** Average bytes between samples; default 512 KiB. */
  interval?: number;
  /** Frames kept per sample (tracemalloc's nframe); default 64. */
  depth?: number;
  /** Milliseconds between polls; default 1000. */
  pollMs?: number;
  /** Turn off TurboFan inlining so allocations are charged to the exact function. */
  precise?: boolean;
  /** A full GC before the exit snapshot (default true; slow on very large heaps). */
  exitGc?: boolean;
  /** Start the next file (FILE.1.atrace, ...) once one holds this many bytes; default 1 GiB, 0: never. */
  maxBytes?: number;
  /** Files kept when rotating (older ones this process wrote are deleted); default 5, 0: all. */
  keep?: number;
}

export interface TracedMemory {
  /** Estimated bytes of the sampled live set. */
  current: number;
  /** The largest `current` seen at a poll since start or resetPeak(). */
  peak: number;
}

export function model(): typeof Model {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('./model') as typeof Model;
}

/**
 * Starts tracing this thread. `start(25)` is `start({ depth: 25 })`.
 * Returns false (after one warning on stderr) when tracing could not start.
 */
export function start(options: StartOptions | number = {}): boolean {
  const o: StartOptions = typeof options === 'number' ? { depth: options } : options;
  let resolved: TracerOptions;
  try {
    resolved = {
      file: o.file,
      interval: checkNumber('interval', o.interval ?? DEFAULTS.interval, 'interval'),
      depth: checkNumber('depth', o.depth ?? DEFAULTS.depth, 'depth'),
      pollMs: checkNumber('pollMs', o.pollMs ?? DEFAULTS.pollMs, 'pollMs'),
      precise: o.precise ?? false,
      exitGc: o.exitGc ?? true,
      maxBytes: checkNumber('maxBytes', o.maxBytes ?? (DEFAULTS.maxBytes as number), 'maxBytes'),
      keep: checkNumber('keep', o.keep ?? (DEFAULTS.keep as number), 'keep'),
    };
  } catch (err) {
    if (!(err instanceof OptionError)) throw err;
    warn(`${err.message}; tracing is off, the app goes on`);
    return false;
  }
  if (loadNative().isTracing()) return true;
  return startTracing(resolved) !== undefined;
}

/** Stops tracing, finishing the trace file with a Trailer, and forgets the traces. */
export function stop(): void {
  loadNative().stop(false, 'stop');
}

export function isTracing(): boolean {
  return loadNative().isTracing();
}

/**
 * The live set now. With `gc` (the default) a full GC runs first, as one
 * calls gc.collect() before tracemalloc.take_snapshot().
 */
export function takeSnapshot(options: { gc?: boolean } = {}): Model.Snapshot {
  // The model loads first, so that loading it is not part of this or the next snapshot.
  const { Snapshot } = model();
  const bytes = loadNative().snapshot(options.gc ?? true);
  if (bytes === undefined) {
    throw new Error('alloctrace must be tracing to take a snapshot: call start() first');
  }
  // Leaves out alloctrace's own memory (see model/own-code.ts), as tracemalloc does.
  return Snapshot.fromBytes(bytes);
}

/** Estimated live bytes now (after a poll) and their peak. */
export function getTracedMemory(): TracedMemory {
  const [current, peak] = loadNative().memory();
  return { current, peak };
}

export function resetPeak(): void {
  loadNative().resetPeak();
}

/** Forgets every trace so far: later snapshots and the file hold only newer allocations. */
export function clearTraces(): void {
  loadNative().clearTraces();
}

/** Frames kept per sample; 0 when not tracing. */
export function getTracebackLimit(): number {
  return loadNative().isTracing() ? loadNative().tracebackLimit() : 0;
}

/** Writes a named marker after a full GC (or without one, `{ gc: false }`): `report --at NAME`. */
export function mark(name: string, options: { gc?: boolean } = {}): void {
  loadNative().mark(String(name), options.gc ?? true);
}

