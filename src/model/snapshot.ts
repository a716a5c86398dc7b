// tracemalloc's Snapshot: the live sampled allocations at one moment.
import * as fs from 'node:fs';
import { DEFAULT_HEADER, loadTrace, LoadedTrace } from '../analysis/load';
import { liveRows, Moment, resolveWhen } from '../analysis/when';
import { HeaderRecord } from '../format/proto';
import { encodeTraceStream, StreamFrame } from '../format/writer';
import { Filter, passesFilters } from './filter';
import { ownCodeFilters } from './own-code';
import { groupStatistics, SampleColumns } from './grouping';
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

export interface LoadSnapshotOptions {
  /** `end` (default), `start`, `peak`, a marker name or a time like `12.5s`. */
  at?: string;
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

  /** The live set of a loaded trace at a moment. */
  static fromTrace(trace: LoadedTrace, moment: Moment): Snapshot {
    const rows = liveRows(trace, moment.cut);
    const n = rows.length;
    const stacks = new Uint32Array(n);
    const sampleSizes = new Uint32Array(n);
    const objects = new Uint32Array(n);
    const born = new Float64Array(n);
    const precise = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      stacks[i] = trace.allocStack[r];
      sampleSizes[i] = trace.allocSize[r];
      objects[i] = trace.allocObjects[r];
      const b = trace.allocBorn[r];
      born[i] = trace.batchTimeNs[b];
      precise[i] = trace.batchPrecise[b];
    }
    const first = trace.segments[0];
    const snapshot = new Snapshot(trace.symbols, { stacks, sampleSizes, objects, born, precise }, {
      header: first ? first.header : null,
      when: moment.when,
      label: moment.label,
      timeNs: moment.timeNs,
      sources: [trace.name],
      warnings: [...trace.warnings],
      preciseSwitches: trace.preciseSwitches,
    });
    const tracerDir = first ? first.header.tracerDir : '';
    return tracerDir ? snapshot.filterTraces(ownCodeFilters(tracerDir)) : snapshot;
  }

  /** Reads a trace file; the live set at `at` (default: the end). */
  static load(file: string, options: LoadSnapshotOptions = {}): Snapshot {
    const trace = loadTrace(file);
    return Snapshot.fromTrace(trace, resolveWhen(trace, options.at ?? 'end'));
  }

  /** Reads an in-memory trace stream (Tracer.snapshot(), a dump). */
  static fromBytes(bytes: Uint8Array, options: LoadSnapshotOptions = {}): Snapshot {
    const trace = loadTrace(bytes, { name: 'snapshot' });
    return Snapshot.fromTrace(trace, resolveWhen(trace, options.at ?? 'end'));
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
    return new Snapshot(symbols, { stacks, sampleSizes, objects, born, precise }, {
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
  hideFrames(patterns: readonly string[]): Snapshot {
    if (patterns.length === 0) return this;
    const filters = patterns.map((p) => new Filter(false, p));
    const cwd = this.cwd;
    const hidden = (frameId: number): boolean => {
      const f = this.symbols.frame(frameId);
      return !f.builtin && filters.some((flt) => flt.matchesFrame(f, cwd));
    };
    // Old stack id → new stack id, or -1 when nothing is left of it.
    const mapped = new Map<number, number>();
    const keep: number[] = [];
    const stacks: number[] = [];
    for (let i = 0; i < this.length; i++) {
      const s = this.cols.stacks[i];
      let m = mapped.get(s);
      if (m === undefined) {
        const frames = this.symbols.stackFrames(s);
        const left = Array.from(frames).filter((f) => !hidden(f));
        const hadScript = frames.some((f) => !this.symbols.frame(f).builtin);
        const hasScript = left.some((f) => !this.symbols.frame(f).builtin);
        m = left.length === frames.length ? s : hadScript && !hasScript ? -1 : this.symbols.internStack(left);
        mapped.set(s, m);
      }
      if (m < 0) continue;
      keep.push(i);
      stacks.push(m);
    }
    return new Snapshot(this.symbols, this.rows(keep, Uint32Array.from(stacks)), this.info);
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
  filterTraces(filters: readonly Filter[]): Snapshot {
    if (filters.length === 0) return this;
    const verdict = new Map<number, boolean>();
    const keep: number[] = [];
    for (let i = 0; i < this.length; i++) {
      const s = this.cols.stacks[i];
      let ok = verdict.get(s);
      if (ok === undefined) {
        ok = passesFilters(filters, this.symbols.traceback(s), this.cwd);
        verdict.set(s, ok);
      }
      if (ok) keep.push(i);
    }
    return new Snapshot(this.symbols, this.rows(keep), this.info);
  }

  /** This snapshot as a self-contained trace stream. */
  toBytes(): Buffer {
    const index = new Map<number, number>();
    const stacks: StreamFrame[][] = [];
    const sampleStacks = new Uint32Array(this.length);
    for (let i = 0; i < this.length; i++) {
      const s = this.cols.stacks[i];
      let j = index.get(s);
      if (j === undefined) {
        j = stacks.length;
        index.set(s, j);
        stacks.push(this.symbols.traceback(s).frames.map((f) => ({
          function: f.function, file: f.file, line: f.line, column: f.column, builtin: f.builtin,
        })));
      }
      sampleStacks[i] = j;
    }
    // Estimated counts are recomputed from size and the header's interval on
    // load; a merge of traces with different intervals keeps the first's.
    const header = this.info.header ?? DEFAULT_HEADER;
    return encodeTraceStream(header, this.info.timeNs, {
      stacks, sampleStacks, sampleSizes: this.cols.sampleSizes, sampleBorn: this.cols.born, samplePrecise: this.cols.precise,
    });
  }

  /** Writes toBytes() to a file (load it back with Snapshot.load). */
  dump(file: string): void {
    fs.writeFileSync(file, this.toBytes());
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
