// Snapshots to and from trace streams: Snapshot.load / dump of the API, and
// in-process snapshots (Tracer.snapshot() bytes) read like any trace.
import * as fs from 'node:fs';
import { encodeTraceStream, StreamFrame } from '../format/writer';
import { Snapshot } from '../model/snapshot';
import { DEFAULT_HEADER } from './load';
import { OpenOptions, Replay } from './replay';

export interface LoadSnapshotOptions extends OpenOptions {
  /** `end` (default), `start`, `peak`, a marker name or a time like `12.5s`. */
  at?: string;
}

/** The live set of a trace file at `at` (default: the end). */
export function loadSnapshot(file: string, options: LoadSnapshotOptions = {}): Snapshot {
  return Replay.open(file, options).liveAt(options.at ?? 'end');
}

/** The live set of an in-memory trace stream (Tracer.snapshot(), a dump). */
export function snapshotFromBytes(bytes: Uint8Array, options: LoadSnapshotOptions = {}): Snapshot {
  return Replay.open(bytes, { name: 'snapshot', ...options }).liveAt(options.at ?? 'end');
}

/** A snapshot as a self-contained trace stream (what snapshotFromBytes reads back). */
export function snapshotToBytes(snapshot: Snapshot): Buffer {
  const cols = snapshot.columns;
  const index = new Map<number, number>();
  const stacks: StreamFrame[][] = [];
  const sampleStacks = new Uint32Array(snapshot.length);
  for (let i = 0; i < snapshot.length; i++) {
    const s = cols.stacks[i];
    let j = index.get(s);
    if (j === undefined) {
      j = stacks.length;
      index.set(s, j);
      stacks.push(snapshot.symbols.traceback(s).frames.map((f) => ({
        function: f.function, file: f.file, line: f.line, column: f.column, builtin: f.builtin,
      })));
    }
    sampleStacks[i] = j;
  }
  // Estimated counts are recomputed from size and the header's interval on
  // load; a merge of traces with different intervals keeps the first's.
  const header = snapshot.info.header ?? DEFAULT_HEADER;
  return encodeTraceStream(header, snapshot.info.timeNs, {
    stacks, sampleStacks, sampleSizes: cols.sampleSizes, sampleBorn: cols.born, samplePrecise: cols.precise,
  });
}

/** Writes a snapshot to `file` (private to the user: it names the app's code). */
export function dumpSnapshot(snapshot: Snapshot, file: string): void {
  fs.writeFileSync(file, snapshotToBytes(snapshot), { mode: 0o600 });
}
