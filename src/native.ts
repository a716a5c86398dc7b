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

export interface NativeBinding {
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
  tracebackLimit(): number;
  /** The file written to now (rotation moves it on) or last; '' if none. */
  file(): string;
  /** The latest polls, oldest first: [timeMs, tracedBytes, rss, heapUsed, heapTotal, external]. */
  timeline(): Array<[number, number, number, number, number, number]>;
  isMainThread(): boolean;
  /** Turns inlining off in every optimizing compiler (precise mode), for code compiled from now on. */
  disableInlining(): void;
}

let binding: NativeBinding | undefined;

export function loadNative(): NativeBinding {
  if (binding === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const load = require('node-gyp-build') as (dir: string) => NativeBinding;
    binding = load(path.join(__dirname, '..'));
  }
  return binding;
}
