// tracemalloc's Snapshot: the live sampled allocations at one moment. A plain
// value: the replay (src/replay) makes them from traces and reads and writes
// them as files; views render what statistics() returns.
import type { HeaderRecord } from '../format/proto';
import { Filter } from './filter';
import { groupStatistics, SampleColumns } from './grouping';
import { filterSelection, hideSelection, StackSelection } from './stack-selection';
import { KeyType, sortDiffs, Statistic, StatisticDiff } from './statistic';
import { SymbolTable } from './symbols';
import { Trace } from './trace';

export interface SnapshotInfo {
  /** The (first) traced process's header; null when unknown. */
  header: HeaderRecord | null;
  /** What moment: `end`, `peak`, a marker name, a time. */
  when: string;
  /** For people: `end`, `marker "m1"`. */
  label: string;
  /** Since the trace's start. */
  timeNs: number;
  /** Where it came from (trace files or 'buffer'). */
  sources: string[];
  /** Problems met reading the data (truncation...). */
  warnings: string[];
  /** Run-time switches of precise mode in the trace (markers `precise-on` / `precise-off`). */
  preciseSwitches: number;
}

/** The live samples, one entry per sample in each column. */
export interface SnapshotColumns extends SampleColumns {
  /** When the sample was first seen (its batch's time), ns since the trace's start. */
  born: Float64Array;
  /** 1 when it was allocated in precise mode (no inlining): its frames are exact. */
  precise: Uint8Array;
}

export interface StatisticsOptions {
  /** Count every frame of a traceback (each distinct key once), not only the most recent. */
  cumulative?: boolean;
  /**
   * Glob patterns (as Filter's) of frames to drop from every stack before
   * grouping (pprof's -hide): `['node:*']` charges each allocation to the
   * nearest frame outside Node's own code. See Snapshot.hideFrames.
   */
  hide?: readonly string[];
}

export interface Totals { size: number; count: number; samples: number }

/** What a report's window holds: see Snapshot.windowTotals. */
export interface WindowTotals {
  /** Estimated bytes of the live samples in the window. */
  size: number;
  /** Of those, the bytes allocated with inlining on (charged to callers when inlined). */
  inlinedSize: number;
}

export class Snapshot {
  readonly symbols: SymbolTable;
  readonly info: SnapshotInfo;
  private readonly cols: SnapshotColumns;

  constructor(symbols: SymbolTable, cols: SnapshotColumns, info: SnapshotInfo) {
    this.symbols = symbols;
    this.cols = cols;
    this.info = info;
  }

  /** Several snapshots as one (e.g. one per process); the first one's info leads. */
  static merge(snapshots: readonly Snapshot[]): Snapshot {
    if (snapshots.length === 0) throw new Error('Snapshot.merge needs at least one snapshot');
    if (snapshots.length === 1) return snapshots[0];
    const symbols = snapshots[0].symbols;
    const n = snapshots.reduce((a, s) => a + s.length, 0);
    const stacks = new Uint32Array(n);
    const sampleSizes = new Uint32Array(n);
    const objects = new Uint32Array(n);
    const born = new Float64Array(n);
    const precise = new Uint8Array(n);
    let at = 0;
    for (const s of snapshots) {
      const remap = s.symbols === symbols ? null : new Map<number, number>();
      for (let i = 0; i < s.length; i++) {
        let stack = s.cols.stacks[i];
        if (remap) {
          let mapped = remap.get(stack);
          if (mapped === undefined) {
            mapped = symbols.internTraceback(s.symbols.traceback(stack));
            remap.set(stack, mapped);
          }
          stack = mapped;
        }
        stacks[at] = stack;
        sampleSizes[at] = s.cols.sampleSizes[i];
        objects[at] = s.cols.objects[i];
        born[at] = s.cols.born[i];
        precise[at] = s.cols.precise[i];
        at++;
      }
    }
    const first = snapshots[0].info;
    return snapshots[0].derive({ stacks, sampleSizes, objects, born, precise }, {
      ...first,
      sources: snapshots.flatMap((s) => s.info.sources),
      warnings: snapshots.flatMap((s) => s.info.warnings),
      preciseSwitches: snapshots.reduce((a, s) => a + s.info.preciseSwitches, 0),
    });
  }

  /** Number of live samples. */
  get length(): number {
    return this.cols.stacks.length;
  }

  /** The traced process's cwd (file names are shown relative to it). */
  get cwd(): string {
    return this.info.header ? this.info.header.cwd : '';
  }

  /** Maximum frames per traceback the trace kept. */
  get tracebackLimit(): number {
    return this.info.header ? this.info.header.stackDepth : 0;
  }

  /** Every live sample as an object (for inspection; statistics() does not need them). */
  get traces(): Trace[] {
    const out: Trace[] = [];
    for (let i = 0; i < this.length; i++) {
      out.push(new Trace(this.symbols.traceback(this.cols.stacks[i]), this.cols.sampleSizes[i], this.cols.objects[i]));
    }
    return out;
  }

  get total(): Totals {
    let size = 0;
    let count = 0;
    for (let i = 0; i < this.length; i++) {
      size += this.cols.sampleSizes[i] * this.cols.objects[i];
      count += this.cols.objects[i];
    }
    return { size, count, samples: this.length };
  }

  /**
   * Estimated bytes of the live samples first seen after `sinceNs` (all of
   * them when null), and how many of those bytes were allocated with
   * inlining on: a report's window is exact when that part is 0.
   */
  windowTotals(sinceNs: number | null): WindowTotals {
    let size = 0;
    let inlinedSize = 0;
    const { sampleSizes, objects, born, precise } = this.cols;
    for (let i = 0; i < this.length; i++) {
      if (sinceNs !== null && !(born[i] > sinceNs)) continue;
      const bytes = sampleSizes[i] * objects[i];
      size += bytes;
      if (precise[i] === 0) inlinedSize += bytes;
    }
    return { size, inlinedSize };
  }

  statistics(keyType: KeyType, options: StatisticsOptions = {}): Statistic[] {
    const cumulative = options.cumulative ?? false;
    checkKeyType(keyType, cumulative);
    if (options.hide !== undefined && options.hide.length > 0) {
      return this.hideFrames(options.hide).statistics(keyType, { cumulative });
    }
    return groupStatistics(this.symbols, this.cols, keyType, cumulative);
  }

  /**
   * A new snapshot whose stacks lack the frames matching any of the glob
   * patterns (matched as Filter matches a frame's file: recorded path and
   * path relative to the traced cwd; builtins stay, folded into whichever
   * caller is left). As with pprof's -hide, a sample left with no script
   * frame is dropped.
   */
  hideFrames(patterns: readonly string[]): this {
    if (patterns.length === 0) return this;
    return this.select(hideSelection(this.symbols, patterns, this.cwd));
  }

  /** The samples first seen after `sinceNs` (ns since the trace's start): what a window added. */
  bornAfter(sinceNs: number): this {
    const keep: number[] = [];
    for (let i = 0; i < this.length; i++) if (this.cols.born[i] > sinceNs) keep.push(i);
    return this.derive(this.rows(keep), this.info);
  }

  /** The samples `selection` keeps, each under the stack it gives. */
  select(selection: StackSelection): this {
    const keep: number[] = [];
    const stacks: number[] = [];
    for (let i = 0; i < this.length; i++) {
      const m = selection(this.cols.stacks[i]);
      if (m < 0) continue;
      keep.push(i);
      stacks.push(m);
    }
    return this.derive(this.rows(keep, Uint32Array.from(stacks)), this.info);
  }

  /**
   * A snapshot of the same kind (a subclass's methods carry over to filtered
   * and merged snapshots).
   */
  protected derive(cols: SnapshotColumns, info: SnapshotInfo): this {
    const Kind = this.constructor as new (symbols: SymbolTable, cols: SnapshotColumns, info: SnapshotInfo) => this;
    return new Kind(this.symbols, cols, info);
  }

  /** The live samples, one entry per sample in each column (read-only: for encoders and exporters). */
  get columns(): Readonly<SnapshotColumns> {
    return this.cols;
  }

  /** The columns of the rows `keep`, with `stacks` in place of theirs when given. */
  private rows(keep: readonly number[], stacks?: Uint32Array): SnapshotColumns {
    const c = this.cols;
    return {
      stacks: stacks ?? Uint32Array.from(keep, (i) => c.stacks[i]),
      sampleSizes: Uint32Array.from(keep, (i) => c.sampleSizes[i]),
      objects: Uint32Array.from(keep, (i) => c.objects[i]),
      born: Float64Array.from(keep, (i) => c.born[i]),
      precise: Uint8Array.from(keep, (i) => c.precise[i]),
    };
  }

  /** Differences from `old` per key, biggest |sizeDiff| first (tracemalloc's compare_to). */
  compareTo(old: Snapshot, keyType: KeyType, options: StatisticsOptions = {}): StatisticDiff[] {
    const now = this.statistics(keyType, options);
    const before = new Map<string, Statistic>();
    for (const s of old.statistics(keyType, options)) before.set(s.key, s);
    const diffs: StatisticDiff[] = [];
    for (const s of now) {
      const o = before.get(s.key);
      before.delete(s.key);
      diffs.push(new StatisticDiff(s.traceback, s.size, s.size - (o?.size ?? 0), s.count, s.count - (o?.count ?? 0),
        s.samples, s.samples - (o?.samples ?? 0), keyType, s.key));
    }
    for (const o of before.values()) {
      diffs.push(new StatisticDiff(o.traceback, 0, -o.size, 0, -o.count, 0, -o.samples, keyType, o.key));
    }
    return sortDiffs(diffs);
  }

  /** A new snapshot with the traces the filters keep (tracemalloc semantics). */
  filterTraces(filters: readonly Filter[]): this {
    if (filters.length === 0) return this;
    return this.select(filterSelection(this.symbols, filters, this.cwd));
  }

}

function checkKeyType(keyType: KeyType, cumulative: boolean): void {
  if (keyType !== 'lineno' && keyType !== 'filename' && keyType !== 'function' && keyType !== 'traceback') {
    throw new TypeError(`unknown key type: ${String(keyType)} (lineno, filename, function or traceback)`);
  }
  if (cumulative && keyType === 'traceback') {
    throw new Error("cumulative mode cannot be used with key type 'traceback'");
  }
}
