// The in-process API, tracemalloc's in TypeScript's idiom. Snapshots come from
// the same encoder output and the same reader as trace files. The model (and
// protobufjs with it) loads on first use, so start() stays cheap. Without the
// native addon (no prebuild, no compiler, another Node.js ABI) every function
// but takeSnapshot() still works as "not tracing": nothing throws into the app.
import type { Census } from './model/census';
import type * as Model from './public-model';
import { DEFAULTS, OptionError, TracerOptions, checkNumber, parseArgvMode } from './options';
import { Availability, NativeBinding, loadNative, nativeAvailability } from './native';
import type { ArgvMode } from './redact';
import { isPrecise as preciseNow, PreciseResult, SetPreciseOptions, setPrecise as switchPrecise } from './precise';
import { startTracing } from './tracer';
import { checkHeapWalk } from './heap/walk-guard';
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
  /**
   * Precise mode: turn inlining off (and deoptimize what V8 already
   * optimized) so allocations are charged to the exact function. Leaves it
   * on when it already is; setPrecise() switches it at any time.
   */
  precise?: boolean;
  /** A full GC before the exit snapshot (default true; slow on very large heaps). */
  exitGc?: boolean;
  /** The command line in the trace's Header: 'redacted' (default: secrets left out), 'full' or 'none'. */
  argv?: ArgvMode;
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

export type { Availability };

/** The addon when it loads; undefined (never an exception) when it cannot. */
function native(): NativeBinding | undefined {
  try {
    return loadNative();
  } catch {
    return undefined;
  }
}

let warnedUnavailable = false;

/**
 * Whether tracing can work in this process: `{ available: true }`, or
 * `{ available: false, reason }` with why the native addon did not load.
 */
export function isAvailable(): Availability {
  return nativeAvailability();
}

export function model(): typeof Model {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('./public-model') as typeof Model;
}

/**
 * Starts tracing this thread. `start(25)` is `start({ depth: 25 })`.
 * Returns false (after one warning on stderr) when tracing could not start.
 */
export function start(options: StartOptions | number = {}): boolean {
  const o: StartOptions = typeof options === 'number' ? { depth: options } : options ?? {};
  let resolved: TracerOptions;
  try {
    resolved = {
      file: o.file,
      interval: checkNumber('interval', o.interval ?? DEFAULTS.interval, 'interval'),
      depth: checkNumber('depth', o.depth ?? DEFAULTS.depth, 'depth'),
      pollMs: checkNumber('pollMs', o.pollMs ?? DEFAULTS.pollMs, 'pollMs'),
      precise: o.precise ?? false,
      exitGc: o.exitGc ?? true,
      argv: o.argv === undefined ? undefined : parseArgvMode(String(o.argv), 'argv'),
      maxBytes: checkNumber('maxBytes', o.maxBytes ?? (DEFAULTS.maxBytes as number), 'maxBytes'),
      keep: checkNumber('keep', o.keep ?? (DEFAULTS.keep as number), 'keep'),
    };
  } catch (err) {
    warn(`${err instanceof OptionError ? err.message : String(err)}; tracing is off, the app goes on`);
    return false;
  }
  const availability = nativeAvailability();
  if (!availability.available) {
    // Said once: the reason cannot change while the process runs.
    if (!warnedUnavailable) warn(`${availability.reason}; tracing is off, the app goes on`);
    warnedUnavailable = true;
    return false;
  }
  if (loadNative().isTracing()) return true;
  return startTracing(resolved) !== undefined;
}

/** Stops tracing, finishing the trace file with a Trailer, and forgets the traces. */
export function stop(): void {
  native()?.stop(false, 'stop');
}

export function isTracing(): boolean {
  return native()?.isTracing() ?? false;
}

/**
 * The live set now. With `gc` (the default) a full GC runs first, as one
 * calls gc.collect() before tracemalloc.take_snapshot().
 */
export function takeSnapshot(options: { gc?: boolean } = {}): Model.Snapshot {
  // The model loads first, so that loading it is not part of this or the next snapshot.
  const { Snapshot } = model();
  const bytes = native()?.snapshot(options?.gc ?? true);
  if (bytes === undefined) {
    // The one function that throws: there is no snapshot to return (tracemalloc raises too).
    throw new Error('alloctrace must be tracing to take a snapshot: call start() first (and check that it returned true)');
  }
  // Leaves out alloctrace's own memory (see model/own-code.ts), as tracemalloc does.
  return Snapshot.fromBytes(bytes);
}

export { type CensusOptions, type CensusResult, takeCensus as census } from './census';

/** Estimated live bytes now (after a poll) and their peak. */
export function getTracedMemory(): TracedMemory {
  const [current, peak] = native()?.memory() ?? [0, 0];
  return { current, peak };
}

export function resetPeak(): void {
  native()?.resetPeak();
}

/** Forgets every trace so far: later snapshots and the file hold only newer allocations. */
export function clearTraces(): void {
  native()?.clearTraces();
}

/** Frames kept per sample; 0 when not tracing. */
export function getTracebackLimit(): number {
  const n = native();
  return n !== undefined && n.isTracing() ? n.tracebackLimit() : 0;
}

/** Writes a named marker after a full GC (or without one, `{ gc: false }`): `report --at NAME`. */
export function mark(name: string, options: { gc?: boolean } = {}): void {
  native()?.mark(String(name), options?.gc ?? true);
}


/**
 * Switches precise mode while the app runs: inlining off (on) in every
 * optimizing compiler, and all optimized code of this thread deoptimized so
 * that it re-optimizes under the new setting. The trace gets a `precise-on` /
 * `precise-off` marker, and reports say which of their allocations were made
 * with inlining on. The switch pauses the thread (a few ms on a small heap,
 * ~0.1 s at 100 MB live, ~0.5 s at 500 MB): `pauseMs` says how long. With
 * `{ forMs }` it goes back off by itself. Skipped, with one warning and
 * `skipped` saying why, when NODE_V8_COVERAGE is set (it would spoil coverage).
 */
export function setPrecise(on: boolean, options: SetPreciseOptions = {}): PreciseResult {
  const availability = nativeAvailability();
  if (!availability.available) {
    return { on: false, changed: false, pauseMs: 0, until: null, skipped: availability.reason };
  }
  return switchPrecise(on, options);
}

/** Whether precise mode is on in this thread (from start-up or switched on). */
export function isPrecise(): boolean {
  return preciseNow();
}

export interface RetainersOptions {
  /**
   * The constructor's name; default: the program's own type that grew most
   * since `since` (a census()), or without one the type holding the most bytes.
   */
  type?: string;
  since?: Census;
  /** Paths shown (default 10). */
  top?: number;
  /** Take the heap snapshot even when it would not fit (see census()'s `force`). */
  force?: boolean;
  /** Why it was asked, kept with it in the trace when tracing to a file (default `api`). */
  label?: string;
}

/** Keeps a finding in the trace when tracing to a file (`alloctrace retainers|suspects TRACE`, the HTML page). */
function keepFinding(kind: import('./format/findings').FindingKind, encode: (f: typeof import('./format/findings')) => Uint8Array): void {
  const n = native();
  if (n === undefined || !n.isTracing()) return;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const findings = require('./format/findings') as typeof import('./format/findings');
    n.writeFinding(findings.findingField(kind), encode(findings));
  } catch (err) {
    warn(`the ${kind} answer was not written into the trace: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Who holds the instances of a type now: each one's shortest retaining path
 * from the GC roots, alike paths counted together. It writes V8's heap
 * snapshot to a private temporary file (the app pauses for it: seconds on a
 * 100 MB heap), reads it back and deletes it. Throws a RangeError naming the
 * most common types when there is no instance of `type`, and a
 * HeapWalkRefused, before any pause, when the snapshot would not fit.
 */
export function retainers(options: RetainersOptions = {}): import('./heap/retainers').RetainersResult {
  /* eslint-disable @typescript-eslint/no-var-requires */
  const { withLiveHeapGraph } = require('./heap/live') as typeof import('./heap/live');
  const { retainersOf } = require('./heap/retainers') as typeof import('./heap/retainers');
  /* eslint-enable @typescript-eslint/no-var-requires */
  checkHeapWalk('snapshot', 'a heap snapshot for retainers()', options.force);
  const result = withLiveHeapGraph((g) => retainersOf(g, options.type ?? null, options.top ?? 10, options.since ?? null));
  keepFinding('retainers', (f) => f.encodeRetainers(result, options.label === undefined ? 'api' : String(options.label)));
  return result;
}

/**
 * The objects holding the most now (retained size), with their retaining
 * paths and previews (keys and value types; values only with `values`).
 * Pauses the app for V8's heap snapshot, like retainers() (and refused like it).
 */
export function largest(options: { top?: number; values?: boolean; force?: boolean } = {}): import('./heap/largest').LargeObject[] {
  /* eslint-disable @typescript-eslint/no-var-requires */
  const { withLiveHeapGraph } = require('./heap/live') as typeof import('./heap/live');
  const { largestObjects } = require('./heap/largest') as typeof import('./heap/largest');
  /* eslint-enable @typescript-eslint/no-var-requires */
  checkHeapWalk('snapshot', 'a heap snapshot for largest()', options.force);
  return withLiveHeapGraph((g) => largestObjects(g, options.top ?? 10, options.values ?? false));
}

export type { SuspectsResult } from './heap/track';

/**
 * Tracks allocations for `seconds` (default 60), then answers which code
 * allocated the objects still live and what holds them: groups of
 * (allocating function, retaining path) ranked by bytes; with `site` (a
 * function's name, a file, or file:line), the retainers of the objects
 * allocated there only. Precise mode is on
 * for the window (when the addon is there) so inlined callees are named.
 * Costs more than sampling while it runs (see the result's note); rejects
 * while another window runs, or with a HeapWalkRefused when the closing heap
 * snapshot would not fit (checked before the window opens and again before
 * the snapshot; then tracking just stops). `stopSuspects()` ends a window early.
 */
export async function suspects(options: { seconds?: number; top?: number; site?: string; force?: boolean; label?: string } = {}): Promise<import('./heap/track').SuspectsResult> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { trackSuspects } = require('./heap/track') as typeof import('./heap/track');
  const switchable = nativeAvailability().available;
  const result = await trackSuspects({
    ...options,
    setPrecise: switchable ? (on: boolean) => {
      if (on && preciseNow()) return false; // already on: leave it as it is, and on after
      return switchPrecise(on).changed;
    } : undefined,
  });
  keepFinding('suspects', (f) => f.encodeSuspects(result, options.label === undefined ? 'api' : String(options.label)));
  return result;
}

/** Ends a running suspects() window now; false when none runs. */
export function stopSuspects(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (require('./heap/track') as typeof import('./heap/track')).stopSuspects();
}

