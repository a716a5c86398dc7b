// Loads the C++ addon (a prebuild for this Node ABI, or the local build) and
// gives it types. Everything here is cheap enough for the preload path.
import path from 'node:path';

export interface NativeStartOptions {
  /** Trace file; omitted: the live set is kept in memory only (in-process API). */
  file?: string;
  /** Where to write when `file` exists (default: its next free number, FILE.1.atrace, ...). */
  ifTaken?: string;
  /** Start the next numbered file once one holds this many bytes (0: never). */
  maxBytes?: number;
  /** Files kept when rotating, the current one included (0: all). */
  keep?: number;
  interval: number;
  depth: number;
  pollMs: number;
  precise: boolean;
  pid: number;
  threadId: number;
  hostname: string;
  argv: string[];
  cwd: string;
  /** alloctrace's own compiled code, so that reports can leave out its allocations. */
  tracerDir: string;
  nodeVersion: string;
}

/** What the addon's census() returns (see native/census.h). */
export interface NativeCensus {
  entries: Array<{ type: string; name: string; count: number; size: number }>;
  countsOnly: boolean;
  gcForced: boolean;
  gcNs: number;
  pauseNs: number;
  /** Since the trace's start when tracing (and then written into the trace), else 0. */
  timeNs: number;
}

export interface NativeBinding {
  /** Set, and nothing else, when the addon was built for another Node.js ABI. */
  abiMismatch?: string;
  /** Returns why tracing could not start, or undefined when it did. */
  start(options: NativeStartOptions): string | undefined;
  /** Polls (around a full GC when `gc`), writes `marker` if given, then the Trailer. */
  stop(gc: boolean, marker?: string): void;
  isTracing(): boolean;
  mark(name: string, gc: boolean): void;
  /** Polls, then returns [current, peak] estimated live bytes. */
  memory(): [number, number];
  resetPeak(): void;
  clearTraces(): void;
  /** A self-contained trace stream of the live set, or undefined when not tracing. */
  snapshot(gc: boolean): Buffer | undefined;
  /** An object census of this thread's heap, after a full GC when `gc`; written into the trace when tracing. */
  census(gc: boolean, label: string, countsOnly?: boolean): NativeCensus;
  /** Writes a finding (a Record field number, its message without time) when tracing to a file: its ns since the trace's start, or -1. */
  writeFinding(field: number, message: Uint8Array): number;
  tracebackLimit(): number;
  /** The file written to now (rotation moves it on) or last; '' if none. */
  file(): string;
  /** The latest polls, oldest first: [timeMs, tracedBytes, rss, heapUsed, heapTotal, external]. */
  timeline(): Array<[number, number, number, number, number, number]>;
  isMainThread(): boolean;
  /** Turns inlining off in every optimizing compiler (precise mode), for code compiled from now on. */
  disableInlining(): void;
  /** Turns inlining back on, for code compiled from now on. */
  enableInlining(): void;
  /** When tracing: polls, then writes the marker of a run-time precise switch (`precise-on` / `precise-off`). */
  switchPrecise(on: boolean): void;
}

/** Whether the addon loaded in this process, and if not, why (one line). */
export type Availability = { available: true } | { available: false; reason: string };

let binding: NativeBinding | undefined;
let failure: string | undefined;

/** Loads the addon once; throws (the same one-line reason every time) when it cannot be loaded. */
export function loadNative(): NativeBinding {
  if (binding !== undefined) return binding;
  if (failure === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const load = require('node-gyp-build') as (dir: string) => NativeBinding;
      const loaded = load(path.join(__dirname, '..'));
      if (loaded.abiMismatch !== undefined) throw new Error(loaded.abiMismatch);
      binding = loaded;
      return binding;
    } catch (err) {
      failure = unavailableReason(err);
    }
  }
  throw new Error(failure);
}

/** Loads the addon if it was not; never throws. */
export function nativeAvailability(): Availability {
  try {
    loadNative();
    return { available: true };
  } catch {
    return { available: false, reason: failure ?? 'the native addon could not be loaded' };
  }
}

/** node-gyp-build's and dlopen's messages span lines: one line, with what to do. */
function unavailableReason(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  const hint = /No native build was found/.test(message)
    ? ' (no prebuild for this Node.js and no local build: install a C++ toolchain and reinstall alloctrace)'
    : /NODE_MODULE_VERSION/.test(message) ? ' (rebuild it with `npm rebuild alloctrace`)' : '';
  return `cannot load alloctrace's native addon: ${message}${hint}`;
}
