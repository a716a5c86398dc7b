// A trace loaded once, answering queries: the live set at a moment, totals
// per stack, the series of each site across polls, the memory series,
// markers and segments. Every command and the in-process API ask it; none
// reads records itself.
import type { HeaderRecord } from '../format/proto';
import { TraceSource } from '../format/reader';
import { AS_RECORDED, locateSymbols, Locator } from '../locate/locator';
import type { Census } from '../model/census';
import type { Recorded, RetainersResult, SuspectsFinding } from '../model/findings';
import { Filter } from '../model/filter';
import { keysOf, StackTotals } from '../model/grouping';
import { ownCodeFilters } from '../model/own-code';
import { Snapshot } from '../model/snapshot';
import { chainSelections, filterSelection, hideSelection, KEEP_ALL, StackSelection } from '../model/stack-selection';
import { KeyType } from '../model/statistic';
import { SymbolTable } from '../model/symbols';
import { Traceback } from '../model/traceback';
import { LoadedMarker, LoadedTrace, loadTrace, LoadOptions, MemorySample, NEVER_FREED, Segment } from './load';
import { groupTimelines } from './timelines';
import { liveRows, Moment, peakCut, resolveWhen } from './when';

export interface OpenOptions {
  /** Name used in messages (for a single source); defaults to the path. */
  name?: string;
  /** Where frames become locations (source maps); default: as recorded. */
  locator?: Locator;
  /** Told the bytes read so far of each source and its size (0: a pipe), as it is read. */
  onProgress?: LoadOptions['onProgress'];
}

/** What a trace holds and whether it is whole (`info`). */
export interface TraceInfo {
  name: string;
  bytes: number;
  parts: LoadedTrace['parts'];
  /** The first Header; null when the stream has none. */
  header: HeaderRecord | null;
  /** Headers that started tracing anew (restarts); rotated files are not new segments. */
  segments: number;
  preciseSwitches: number;
  durationNs: number;
  allocs: number;
  frees: number;
  /** Sampled allocations still live at the end. */
  liveAtEnd: number;
  polls: number;
  markers: LoadedMarker[];
  trailer: boolean;
  truncatedAt: number | null;
  warnings: string[];
}

/** Which samples a series or total counts: the views' filters and hidden frames. */
export interface SelectOptions {
  filters?: readonly Filter[];
  /** Glob patterns of frames dropped from every stack (pprof's -hide). */
  hide?: readonly string[];
}

export interface SeriesOptions extends SelectOptions {
  /** Count every distinct key on a stack, not only the most recent one. */
  cumulative?: boolean;
  /** At most this many points (evenly spread over the polls, the last poll always included); default 512. */
  maxPoints?: number;
}

/** One site's live memory at each point of a SiteSeries. */
export interface SiteLine {
  key: string;
  /** The biggest contributor's traceback (as Statistic.traceback). */
  traceback: Traceback;
  /** Estimated live bytes at each point. */
  size: Float64Array;
  /** Estimated live objects at each point. */
  count: Float64Array;
  /** Live samples at each point. */
  samples: Float64Array;
}

/** Live memory per site at chosen moments (after `cuts[i]` polls, at `timeNs[i]`). */
export interface SiteSeries {
  keyType: KeyType;
  cuts: Uint32Array;
  timeNs: Float64Array;
  sites: SiteLine[];
}

/** The traced live set after each poll. */
export interface TracedSeries {
  timeNs: Float64Array;
  /** Estimated live bytes. */
  size: Float64Array;
  count: Float64Array;
  samples: Float64Array;
}

const DEFAULT_MAX_POINTS = 512;

export class Replay {
  private readonly trace: LoadedTrace;
  /** Frames as people read them (located); same stack ids as the trace's. */
  readonly symbols: SymbolTable;
  private peak: number | null = null;

  private constructor(trace: LoadedTrace, symbols: SymbolTable) {
    this.trace = trace;
    this.symbols = symbols;
  }

  /** Reads one timeline: a file or stream, or the rotated files of one session in order. */
  static open(source: TraceSource | readonly TraceSource[], options: OpenOptions = {}): Replay {
    const trace = loadTrace(source, { name: options.name, onProgress: options.onProgress });
    return new Replay(trace, locateSymbols(trace.symbols, options.locator ?? AS_RECORDED));
  }

  /** A replay of a trace already loaded (its columns are used as they are). */
  static of(trace: LoadedTrace, options: Pick<OpenOptions, 'locator'> = {}): Replay {
    return new Replay(trace, locateSymbols(trace.symbols, options.locator ?? AS_RECORDED));
  }

  /**
   * One replay per timeline among `files` (rotated files of a session are
   * read as one), sharing one symbol table so that their live sets can be
   * merged and compared.
   */
  static openEach(files: readonly string[], options: OpenOptions = {}): Replay[] {
    const shared = new SymbolTable();
    const traces = groupTimelines(files).map((timeline) => loadTrace(timeline, { symbols: shared, onProgress: options.onProgress }));
    const located = locateSymbols(shared, options.locator ?? AS_RECORDED);
    return traces.map((t) => new Replay(t, located));
  }

  get name(): string {
    return this.trace.name;
  }

  /** The first Header; null when the stream has none. */
  get header(): HeaderRecord | null {
    return this.trace.segments.length > 0 ? this.trace.segments[0].header : null;
  }

  /** The traced process's cwd ('' when unknown). */
  get cwd(): string {
    return this.header?.cwd ?? '';
  }

  get segments(): readonly Segment[] {
    return this.trace.segments;
  }

  get markers(): readonly LoadedMarker[] {
    return this.trace.markers;
  }

  /** Memory records (rss, heap, external), times since the first header's start. */
  /** Object censuses written into the trace, oldest first. */
  get censuses(): readonly Census[] {
    return this.trace.censuses;
  }

  /** retainers() / GET /retainers answers written into the trace, oldest first. */
  get retainers(): readonly Recorded<RetainersResult>[] {
    return this.trace.retainers;
  }

  /** Suspects windows' answers written into the trace, oldest first. */
  get suspects(): readonly Recorded<SuspectsFinding>[] {
    return this.trace.suspects;
  }

  get memory(): readonly MemorySample[] {
    return this.trace.memory;
  }

  get warnings(): readonly string[] {
    return this.trace.warnings;
  }

  get durationNs(): number {
    return this.trace.durationNs;
  }

  get polls(): number {
    return this.trace.batchCount;
  }

  /** Poll times since the first header's start. */
  get pollTimeNs(): Float64Array {
    return this.trace.batchTimeNs;
  }

  get preciseSwitches(): number {
    return this.trace.preciseSwitches;
  }

  info(): TraceInfo {
    return traceInfo(this.trace);
  }

  /** WHEN (`end`, `start`, `peak`, a marker name, `12.5s`) as a moment of this trace; throws WhenError. */
  moment(when: string): Moment {
    if (when.trim() === 'peak') {
      if (this.peak === null) this.peak = peakCut(this.trace);
      const cut = this.peak;
      return { when: 'peak', cut, timeNs: cut === 0 ? 0 : this.trace.batchTimeNs[cut - 1], label: 'peak' };
    }
    return resolveWhen(this.trace, when);
  }

  /** The live set at a moment, without alloctrace's own allocations. */
  liveAt(when: string | Moment): Snapshot {
    const moment = typeof when === 'string' ? this.moment(when) : when;
    const t = this.trace;
    const rows = liveRows(t, moment.cut);
    // One snapshot row per sample: a replay row stands for allocSamples of them.
    let n = 0;
    for (let i = 0; i < rows.length; i++) n += t.allocSamples[rows[i]];
    const stacks = new Uint32Array(n);
    const sampleSizes = new Uint32Array(n);
    const objects = new Uint32Array(n);
    const born = new Float64Array(n);
    const precise = new Uint8Array(n);
    for (let i = 0, o = 0; i < rows.length; i++) {
      const r = rows[i];
      const b = t.allocBorn[r];
      for (let k = t.allocSamples[r]; k > 0; k--, o++) {
        stacks[o] = t.allocStack[r];
        sampleSizes[o] = t.allocSize[r];
        objects[o] = t.allocObjects[r];
        born[o] = t.batchTimeNs[b];
        precise[o] = t.batchPrecise[b];
      }
    }
    const snapshot = new Snapshot(this.symbols, { stacks, sampleSizes, objects, born, precise }, {
      header: this.header,
      when: moment.when,
      label: moment.label,
      timeNs: moment.timeNs,
      sources: [t.name],
      warnings: [...t.warnings],
      preciseSwitches: t.preciseSwitches,
    });
    return snapshot.select(this.ownCodeLeftOut());
  }

  /** Estimated bytes of every sample recorded (an allocation is recorded when it lives until a poll). */
  allocatedBytes(): number {
    const { allocSize, allocObjects, allocSamples, allocCount } = this.trace;
    let total = 0;
    for (let i = 0; i < allocCount; i++) total += allocSize[i] * allocObjects[i] * allocSamples[i];
    return total;
  }

  /**
   * Totals per (selected) stack of the samples first seen after `from` and
   * up to `to` (default: the whole trace), live or not: what was allocated
   * in a window (pprof's alloc_space).
   */
  allocatedByStack(from: Moment | null = null, to: Moment | null = null, options: SelectOptions = {}): StackTotals {
    const t = this.trace;
    const select = this.selection(options);
    const lo = from ? from.cut : 0;
    const hi = to ? to.cut : t.batchCount;
    const totals = new Map<number, number>();
    const size: number[] = [];
    const count: number[] = [];
    const samples: number[] = [];
    for (let i = 0; i < t.allocCount; i++) {
      const b = t.allocBorn[i];
      if (b < lo || b >= hi) continue;
      const s = select(t.allocStack[i]);
      if (s < 0) continue;
      let k = totals.get(s);
      if (k === undefined) {
        k = size.length;
        totals.set(s, k);
        size.push(0);
        count.push(0);
        samples.push(0);
      }
      const n = t.allocSamples[i];
      size[k] += t.allocSize[i] * t.allocObjects[i] * n;
      count[k] += t.allocObjects[i] * n;
      samples[k] += n;
    }
    const stackIds = [...totals.keys()];
    return { stackIds, size: Float64Array.from(size), count: Float64Array.from(count), samples: Float64Array.from(samples) };
  }

  /** The traced live set (alloctrace's own left out) after each poll. */
  tracedSeries(options: SelectOptions = {}): TracedSeries {
    const t = this.trace;
    const n = t.batchCount;
    const size = new Float64Array(n + 1);
    const count = new Float64Array(n + 1);
    const samples = new Float64Array(n + 1);
    const select = this.selection(options);
    for (let i = 0; i < t.allocCount; i++) {
      if (select(t.allocStack[i]) < 0) continue;
      const n = t.allocSamples[i];
      const bytes = t.allocSize[i] * t.allocObjects[i] * n;
      const objects = t.allocObjects[i] * n;
      const b = t.allocBorn[i];
      const f = t.allocFreed[i];
      size[b] += bytes;
      count[b] += objects;
      samples[b] += n;
      if (f !== NEVER_FREED) {
        size[f] -= bytes;
        count[f] -= objects;
        samples[f] -= n;
      }
    }
    for (let b = 1; b < n; b++) {
      size[b] += size[b - 1];
      count[b] += count[b - 1];
      samples[b] += samples[b - 1];
    }
    return { timeNs: t.batchTimeNs.slice(0, n), size: size.subarray(0, n), count: count.subarray(0, n), samples: samples.subarray(0, n) };
  }

  /**
   * The live memory of each site (keyType: lineno, function, filename,
   * traceback) at up to maxPoints moments spread over the polls, with the
   * same keys and filters as Snapshot.statistics().
   */
  siteSeries(keyType: KeyType, options: SeriesOptions = {}): SiteSeries {
    const t = this.trace;
    const cuts = pointCuts(t.batchCount, options.maxPoints ?? DEFAULT_MAX_POINTS);
    const points = cuts.length;
    const select = this.selection(options);
    const cumulative = options.cumulative ?? false;
    // Each stack's keys, once.
    const keyIndex = new Map<string, number>();
    const keyNames: string[] = [];
    const keyTraceback: (() => Traceback)[] = [];
    const stackKeys = new Map<number, number[]>();
    const keysOfStack = (stack: number): number[] => {
      let ks = stackKeys.get(stack);
      if (ks === undefined) {
        const s = select(stack);
        ks = s < 0 ? [] : keysOf(this.symbols.traceback(s), keyType, cumulative).map((k) => {
          let idx = keyIndex.get(k.key);
          if (idx === undefined) {
            idx = keyTraceback.length;
            keyIndex.set(k.key, idx);
            keyNames.push(k.key);
            keyTraceback.push(k.traceback);
          }
          return idx;
        });
        stackKeys.set(stack, ks);
      }
      return ks;
    };
    // The point at which a poll index first counts: the first point whose cut passes it.
    const pointOf = new Uint32Array(t.batchCount + 1);
    for (let b = 0, p = 0; b <= t.batchCount; b++) {
      while (p < points && cuts[p] <= b) p++;
      pointOf[b] = p;
    }
    const width = points + 1;
    let size = new Float64Array(64 * width);
    let count = new Float64Array(64 * width);
    let samples = new Float64Array(64 * width);
    for (let i = 0; i < t.allocCount; i++) {
      const ks = keysOfStack(t.allocStack[i]);
      if (ks.length === 0) continue;
      const b = t.allocBorn[i];
      const f = t.allocFreed[i];
      const start = pointOf[b];
      const end = f === NEVER_FREED ? points : pointOf[f];
      if (start >= end) continue; // born and gone between two points
      const n = t.allocSamples[i];
      const bytes = t.allocSize[i] * t.allocObjects[i] * n;
      const objects = t.allocObjects[i] * n;
      for (const k of ks) {
        if ((k + 1) * width > size.length) {
          const grow = (a: Float64Array): Float64Array<ArrayBuffer> => {
            const b2 = new Float64Array(Math.max(a.length * 2, (k + 1) * width));
            b2.set(a);
            return b2;
          };
          size = grow(size);
          count = grow(count);
          samples = grow(samples);
        }
        const o = k * width;
        size[o + start] += bytes;
        size[o + end] -= bytes;
        count[o + start] += objects;
        count[o + end] -= objects;
        samples[o + start] += n;
        samples[o + end] -= n;
      }
    }
    const sites: SiteLine[] = [];
    for (let k = 0; k < keyTraceback.length; k++) {
      const o = k * width;
      const line = (a: Float64Array): Float64Array => {
        const out = new Float64Array(points);
        let run = 0;
        for (let p = 0; p < points; p++) {
          run += a[o + p];
          out[p] = run;
        }
        return out;
      };
      const s = line(samples);
      let any = false;
      for (let p = 0; p < points && !any; p++) any = s[p] > 0;
      if (!any) continue;
      sites.push({ key: keyNames[k], traceback: keyTraceback[k](), size: line(size), count: line(count), samples: s });
    }
    const timeNs = Float64Array.from(cuts, (c) => (c === 0 ? 0 : t.batchTimeNs[c - 1]));
    return { keyType, cuts, timeNs, sites };
  }

  /** The samples the views count: alloctrace's own code left out, then the given filters and hidden frames. */
  private selection(options: SelectOptions): StackSelection {
    const filtered = chainSelections(this.ownCodeLeftOut(), filterSelection(this.symbols, options.filters ?? [], this.cwd));
    return chainSelections(filtered, hideSelection(this.symbols, options.hide ?? [], this.cwd));
  }

  private ownCode: StackSelection | null = null;

  private ownCodeLeftOut(): StackSelection {
    if (this.ownCode === null) {
      const dir = this.header?.tracerDir ?? '';
      this.ownCode = dir ? filterSelection(this.symbols, ownCodeFilters(dir), this.cwd) : KEEP_ALL;
    }
    return this.ownCode;
  }
}

/** What a loaded trace holds (also of a count-only load: no rows needed). */
export function traceInfo(t: LoadedTrace): TraceInfo {
  return {
    name: t.name, bytes: t.bytes, parts: t.parts, header: t.segments.length > 0 ? t.segments[0].header : null,
    segments: t.segments.length, preciseSwitches: t.preciseSwitches, durationNs: t.durationNs, allocs: t.allocs,
    frees: t.frees, liveAtEnd: t.liveAtEnd, polls: t.batchCount, markers: t.markers, trailer: t.trailer !== null,
    truncatedAt: t.truncatedAt, warnings: [...t.warnings],
  };
}

/** Up to `max` cuts (polls applied) spread evenly over 1..polls, the last always included. */
export function pointCuts(polls: number, max: number): Uint32Array {
  if (polls === 0) return new Uint32Array([0]);
  const n = Math.max(1, Math.min(polls, max));
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(((i + 1) * polls) / n);
  return out;
}
