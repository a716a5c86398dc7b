// The model as the API hands it out: tracemalloc's classes, where Snapshot
// also reads and writes files (Snapshot.load, snapshot.dump) as tracemalloc's
// does. The model itself stays a plain value with no I/O.
import { Snapshot as PlainSnapshot } from './model/snapshot';
import { dumpSnapshot, LoadSnapshotOptions, loadSnapshot, snapshotFromBytes, snapshotToBytes } from './replay/snapshot-file';

export { ANONYMOUS, Frame, Traceback, Trace, Filter, FilterOptions, globToRegExp, KeyType, KEY_TYPES, Statistic, StatisticDiff } from './model';
export type { FormatOptions, SnapshotInfo, StatisticsOptions, Totals, WindowTotals } from './model';
export type { LoadSnapshotOptions };

export class Snapshot extends PlainSnapshot {
  /** Reads a trace file (or a dump); the live set at `at` (default: the end). */
  static load(file: string, options: LoadSnapshotOptions = {}): Snapshot {
    return Snapshot.from(loadSnapshot(file, options));
  }

  /** Reads an in-memory trace stream (Tracer.snapshot(), a dump's bytes). */
  static fromBytes(bytes: Uint8Array, options: LoadSnapshotOptions = {}): Snapshot {
    return Snapshot.from(snapshotFromBytes(bytes, options));
  }

  /** The API's Snapshot of a plain one (same data, not copied). */
  static from(plain: PlainSnapshot): Snapshot {
    return plain instanceof Snapshot ? plain : new Snapshot(plain.symbols, plain.columns, plain.info);
  }

  /** This snapshot as a self-contained trace stream. */
  toBytes(): Buffer {
    return snapshotToBytes(this);
  }

  /** Writes toBytes() to a file, mode 0600 (load it back with Snapshot.load). */
  dump(file: string): void {
    dumpSnapshot(this, file);
  }
}
