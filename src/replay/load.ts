// Replays a trace stream into compact columns: one row per sampled allocation
// (stack, size, estimated objects, batch it appeared in, batch it went away
// in), so that the live set at any moment is a scan, not a map clone.
import { BatchRecord, HeaderRecord, MemoryRecord, PRECISE_OFF, PRECISE_ON, TrailerRecord } from '../format/proto';
import { DamagedRange, TraceReader, TraceSource } from '../format/reader';
import type { Census } from '../model/census';
import { Frame } from '../model/frame';
import { SymbolTable } from '../model/symbols';
import { F64Column, U32Column, U8Column } from './columns';
import { estimatedObjects } from './estimate';

/** allocFreed value of a sample that is still live at the end. */
export const NEVER_FREED = 0xffffffff;

/** A Header and what followed it until the next Header. */
export interface Segment {
  header: HeaderRecord;
  /** The segment's start relative to the first header's start, in ns. */
  offsetNs: number;
  /** Index of the segment's first batch. */
  firstBatch: number;
  trailer: TrailerRecord | null;
  allocs: number;
  frees: number;
  batches: number;
}

export interface LoadedMarker {
  name: string;
  /** Since the first header's start. */
  timeNs: number;
  gcForced: boolean;
  /** When it was asked for (near-heap-limit: V8's callback), since the first header's start; null if not recorded. */
  requestedNs: number | null;
  /** Number of batches applied before the marker: the live set it marks. */
  cut: number;
  /** Set on the marker of a run-time switch of precise mode: batches from `cut` on are in the new mode. */
  preciseSwitch: 'on' | 'off' | null;
}

export type MemorySample = MemoryRecord;

export interface LoadedTrace {
  name: string;
  /** Bytes of all the streams read. */
  bytes: number;
  /** Each stream read, in timeline order (several: the rotated files of one session). */
  parts: { name: string; bytes: number; version: number; damaged: DamagedRange[]; truncatedAt: number | null }[];
  symbols: SymbolTable;
  segments: Segment[];
  /** Sampled allocations, one row each, in stream order. */
  allocCount: number;
  allocStack: Uint32Array;
  /** The sampled object's size in bytes. */
  allocSize: Uint32Array;
  /** Objects the sample stands for (V8's formula with the segment's interval). */
  allocObjects: Uint32Array;
  /** Batch index the sample appeared in. */
  allocBorn: Uint32Array;
  /** Batch index it was freed in, or NEVER_FREED. */
  allocFreed: Uint32Array;
  batchCount: number;
  /** Batch times since the first header's start. */
  batchTimeNs: Float64Array;
  /**
   * 1 when the samples first seen in that batch were all allocated in precise
   * mode (no inlining: exact functions), from the Header and the switch markers.
   */
  batchPrecise: Uint8Array;
  /** Run-time switches of precise mode in the stream. */
  preciseSwitches: number;
  markers: LoadedMarker[];
  /** Object censuses written into the trace, oldest first (times since the first header's start). */
  censuses: Census[];
  /** Memory records, times made relative to the first header's start. */
  memory: MemorySample[];
  /** The last segment's trailer; null when the process did not stop cleanly. */
  trailer: TrailerRecord | null;
  truncatedAt: number | null;
  warnings: string[];
  /** Alloc and free entries in the stream. */
  allocs: number;
  frees: number;
  /** Latest time seen in the stream, since the first header's start. */
  durationNs: number;
}

/** A frame or stack whose definition is missing (a damaged or lost record): samples on it are dropped. */
const UNRESOLVED = -1;

/** Settings assumed for a stream without a Header (and for a dump of an unknown one). */
export const DEFAULT_HEADER: HeaderRecord = {
  formatVersion: 1, startTimeUnixNs: 0, pid: 0, threadId: 0, hostname: '', argv: [],
  nodeVersion: '', v8Version: '', sampleInterval: 524288, stackDepth: 64, pollIntervalMs: 1000,
  precise: false, cwd: '', tracerDir: '', part: 0,
};

function plainHeader(h: HeaderRecord): HeaderRecord {
  // Decoded messages keep defaults on their prototype: copy to a plain object.
  return {
    formatVersion: h.formatVersion, startTimeUnixNs: h.startTimeUnixNs, pid: h.pid,
    threadId: h.threadId, hostname: h.hostname, argv: [...h.argv], nodeVersion: h.nodeVersion,
    v8Version: h.v8Version, sampleInterval: h.sampleInterval, stackDepth: h.stackDepth,
    pollIntervalMs: h.pollIntervalMs, precise: h.precise, cwd: h.cwd, tracerDir: h.tracerDir, part: h.part,
  };
}

/** Same process, thread and start: a rotated file of the session, not a new one. */
function sameSession(a: HeaderRecord, b: HeaderRecord): boolean {
  return a.startTimeUnixNs === b.startTimeUnixNs && a.pid === b.pid && a.threadId === b.threadId && a.hostname === b.hostname;
}

/** Per-segment state: the segment's own ids mapped to the shared table's. */
class SegmentIds {
  strings: string[] = [''];
  frames: number[] = [];
  stacks: number[] = [0];
  /** First alloc row of the segment; rows from here on have increasing sample ids... */
  allocStart: number;
  /** ...unless this is set (fallback for a writer that breaks the order). */
  byId: Map<number, number> | null = null;
  lastId = -1;
  constructor(allocStart: number) {
    this.allocStart = allocStart;
  }
}

export interface LoadOptions {
  /** Share one table between several traces (to merge or compare them). */
  symbols?: SymbolTable;
  /** Name used in messages (for a single source); defaults to the path. */
  name?: string;
}

class Loader {
  readonly symbols: SymbolTable;
  readonly warnings: string[] = [];
  readonly segments: Segment[] = [];
  readonly markers: LoadedMarker[] = [];
  readonly censuses: Census[] = [];
  readonly memory: MemorySample[] = [];
  readonly ids = new F64Column(1 << 16);
  readonly stack = new U32Column(1 << 16);
  readonly size = new U32Column(1 << 16);
  readonly objects = new U32Column(1 << 16);
  readonly born = new U32Column(1 << 16);
  readonly freed = new U32Column(1 << 16);
  readonly batchTime = new F64Column(1024);
  readonly batchPrecise = new U8Column(1024);
  /** Precise mode now: the segment's Header, then each switch marker. */
  precise = false;
  preciseSwitches = 0;
  seg: SegmentIds | null = null;
  segment: Segment | null = null;
  firstStartNs = 0;
  durationNs = 0;
  unknownFrees = 0;
  /** Samples dropped because their stack, a frame of it or one of its strings was never defined. */
  unresolvedSamples = 0;
  /** The current file's counts since its Header, which its Trailer must match. */
  partAllocs = 0;
  partFrees = 0;
  /** The part number of the latest Header (rotated files count up). */
  lastPart = 0;

  constructor(symbols: SymbolTable) {
    this.symbols = symbols;
  }

  startSegment(header: HeaderRecord): void {
    const h = plainHeader(header);
    this.partAllocs = 0;
    this.partFrees = 0;
    const current = this.segment;
    if (h.part > 0 && current && sameSession(current.header, h)) {
      // A file the session rotated into: the same ids and live set go on;
      // its first batch restates the live set.
      const expected = this.lastPart + 1;
      if (h.part !== expected) {
        this.warnings.push(`rotated part${h.part - expected > 1 ? `s ${expected}-${h.part - 1}` : ` ${expected}`} of the session ` +
          `${h.part - expected > 1 ? 'are' : 'is'} missing: changes in between are unknown; part ${h.part} restates the live set at its start`);
      }
      this.lastPart = h.part;
      return;
    }
    this.lastPart = h.part;
    if (this.segments.length === 0) this.firstStartNs = h.startTimeUnixNs;
    const offsetNs = h.startTimeUnixNs - this.firstStartNs;
    if (this.seg) {
      // A new session starts from an empty live set: whatever the previous
      // one still held goes away in a synthetic batch at the new start.
      const b = this.batchTime.length;
      this.batchTime.push(offsetNs);
      this.batchPrecise.push(0); // allocates nothing
      const freed = this.freed.data;
      for (let i = this.seg.allocStart; i < this.freed.length; i++) if (freed[i] === NEVER_FREED) freed[i] = b;
    }
    this.seg = new SegmentIds(this.stack.length);
    this.segment = {
      header: h, offsetNs, firstBatch: this.batchTime.length, trailer: null, allocs: 0, frees: 0, batches: 0,
    };
    this.segments.push(this.segment);
    this.precise = h.precise;
    this.seeTime(offsetNs);
  }

  ensureSegment(): { seg: SegmentIds; segment: Segment } {
    if (!this.seg || !this.segment) {
      this.warnings.push('records before the first header; assuming default settings');
      this.startSegment(DEFAULT_HEADER);
    }
    return { seg: this.seg as SegmentIds, segment: this.segment as Segment };
  }

  seeTime(t: number): void {
    if (t > this.durationNs) this.durationNs = t;
  }

  /** A record's time made relative to the first header's start (and seen). */
  absoluteTime(segment: Segment, ns: number): number {
    const t = segment.offsetNs + ns;
    this.seeTime(t);
    return t;
  }

  /** Appends a sample's row, unless its stack cannot be resolved (then it is counted and dropped). */
  pushAlloc(seg: SegmentIds, id: number, localStack: number, size: number, interval: number, index: number): boolean {
    const stack = seg.stacks[localStack];
    if (stack === undefined || stack === UNRESOLVED) {
      this.unresolvedSamples++;
      return false;
    }
    const row = this.ids.length;
    if (id <= seg.lastId && !seg.byId) {
      // Out of order: index this segment's rows by id from now on.
      seg.byId = new Map();
      const all = this.ids.data;
      for (let r = seg.allocStart; r < row; r++) seg.byId.set(all[r], r);
    }
    if (seg.byId) seg.byId.set(id, row);
    seg.lastId = id;
    this.ids.push(id);
    this.stack.push(stack);
    this.size.push(size);
    this.objects.push(estimatedObjects(size, interval));
    this.born.push(index);
    this.freed.push(NEVER_FREED);
    return true;
  }

  batch(b: BatchRecord): void {
    const { seg, segment } = this.ensureSegment();
    const index = this.batchTime.length;
    this.batchTime.push(this.absoluteTime(segment, b.timeNs));
    this.batchPrecise.push(this.precise ? 1 : 0);
    segment.batches++;
    if (b.liveSet) {
      this.restate(b, seg, segment, index);
      return;
    }

    const ids = b.allocIds;
    const stacks = b.allocStacks;
    const sizes = b.allocSizes;
    const n = ids.length;
    if (stacks.length !== n || sizes.length !== n) {
      this.warnings.push(`batch ${index}: ${n} alloc ids but ${stacks.length} stacks and ${sizes.length} sizes; using the common part`);
    }
    const m = Math.min(n, stacks.length, sizes.length);
    const interval = segment.header.sampleInterval;
    let id = 0;
    for (let i = 0; i < m; i++) {
      id += ids[i];
      this.pushAlloc(seg, id, stacks[i], sizes[i], interval, index);
    }
    segment.allocs += n;
    this.partAllocs += n;

    const freedIds = b.freedIds;
    segment.frees += freedIds.length;
    this.partFrees += freedIds.length;
    let fid = 0;
    let lo = seg.allocStart;
    const allIds = this.ids.data;
    const freed = this.freed.data;
    for (let i = 0; i < freedIds.length; i++) {
      fid += freedIds[i];
      let row: number;
      if (seg.byId) {
        row = seg.byId.get(fid) ?? -1;
      } else {
        // Freed ids are increasing too: binary search from the last hit on.
        let a = lo;
        let z = this.ids.length - 1;
        row = -1;
        while (a <= z) {
          const mid = (a + z) >>> 1;
          const v = allIds[mid];
          if (v < fid) a = mid + 1;
          else if (v > fid) z = mid - 1;
          else {
            row = mid;
            break;
          }
        }
        if (row >= 0) lo = row + 1;
      }
      if (row >= 0 && freed[row] === NEVER_FREED) freed[row] = index;
      else this.unknownFrees++;
    }
  }

  /**
   * A rotated file's first batch: the whole live set at that moment. Samples
   * the replay already holds stay as they are; others appear (a file read on
   * its own, or after a gap); live ones it lacks went away.
   */
  restate(b: BatchRecord, seg: SegmentIds, segment: Segment, index: number): void {
    const live = new Map<number, number>();
    const ids = this.ids.data;
    const freed = this.freed.data;
    for (let r = seg.allocStart; r < this.ids.length; r++) if (freed[r] === NEVER_FREED) live.set(ids[r], r);
    const m = Math.min(b.allocIds.length, b.allocStacks.length, b.allocSizes.length);
    const interval = segment.header.sampleInterval;
    let id = 0;
    for (let i = 0; i < m; i++) {
      id += b.allocIds[i];
      if (live.delete(id)) continue;
      if (this.pushAlloc(seg, id, b.allocStacks[i], b.allocSizes[i], interval, index)) segment.allocs++;
    }
    for (const row of live.values()) {
      this.freed.data[row] = index;
      segment.frees++;
    }
  }

  trailer(segment: Segment, t: TrailerRecord): void {
    segment.trailer = {
      timeNs: t.timeNs, allocs: t.allocs, frees: t.frees, batches: t.batches, droppedRecords: t.droppedRecords,
    };
    this.absoluteTime(segment, t.timeNs);
    // The Trailer counts what its own file added since the Header.
    if (t.allocs !== this.partAllocs || t.frees !== this.partFrees) {
      this.warnings.push(
        `trailer counts (${t.allocs} allocs, ${t.frees} frees) differ from the records (${this.partAllocs} allocs, ${this.partFrees} frees)`);
    }
    if (t.droppedRecords > 0) this.warnings.push(`the writer dropped ${t.droppedRecords} records (write errors)`);
  }

  finish(readers: TraceReader[]): LoadedTrace {
    if (this.unknownFrees > 0) {
      this.warnings.push(`${this.unknownFrees} freed sample ids were never allocated in the trace (ignored)`);
    }
    if (this.unresolvedSamples > 0) {
      this.warnings.push(`${this.unresolvedSamples} samples dropped: their stack, frames or names were never defined (lost with a damaged or missing record)`);
    }
    const last = this.segments[this.segments.length - 1];
    const name = readers.map((r) => r.name).join(' + ');
    const problem = readers.find((r) => r.truncatedAt !== null);
    return {
      name,
      bytes: readers.reduce((a, r) => a + r.bytes, 0),
      parts: readers.map((r) => ({
        name: r.name, bytes: r.bytes, version: r.version, damaged: [...r.damaged], truncatedAt: r.truncatedAt,
      })),
      symbols: this.symbols,
      segments: this.segments,
      allocCount: this.stack.length,
      allocStack: this.stack.view(),
      allocSize: this.size.view(),
      allocObjects: this.objects.view(),
      allocBorn: this.born.view(),
      allocFreed: this.freed.view(),
      batchCount: this.batchTime.length,
      batchTimeNs: this.batchTime.view(),
      batchPrecise: this.batchPrecise.view(),
      preciseSwitches: this.preciseSwitches,
      markers: this.markers,
      censuses: this.censuses,
      memory: this.memory,
      trailer: last ? last.trailer : null,
      truncatedAt: problem ? problem.truncatedAt : null,
      warnings: [...readers.flatMap((r) => r.warnings), ...this.warnings.map((w) => `${name}: ${w}`)],
      allocs: this.segments.reduce((a, s) => a + s.allocs, 0),
      frees: this.segments.reduce((a, s) => a + s.frees, 0),
      durationNs: this.durationNs,
    };
  }
}

/**
 * Reads a whole trace (file path or in-memory stream) into columns. Several
 * sources are read one after the other as one timeline: the rotated files of
 * a session, in order (see analysis/timeline.ts).
 */
export function loadTrace(source: TraceSource | readonly TraceSource[], options: LoadOptions = {}): LoadedTrace {
  const sources = Array.isArray(source) ? source as readonly TraceSource[] : [source as TraceSource];
  // Every signature is checked before anything is read.
  const readers = sources.map((s) => new TraceReader(s, sources.length === 1 ? options.name : undefined));
  const loader = new Loader(options.symbols ?? new SymbolTable());
  for (const reader of readers) loadRecords(reader, loader);
  return loader.finish(readers);
}

function loadRecords(reader: TraceReader, loader: Loader): void {
  for (const { record } of reader.records()) {
    switch (record.kind) {
      case 'header':
        loader.startSegment(record.header);
        break;
      case 'string': {
        const { seg } = loader.ensureSegment();
        seg.strings[record.string.id] = record.string.value;
        break;
      }
      case 'frame': {
        const { seg } = loader.ensureSegment();
        const f = record.frame;
        const fn = seg.strings[f.functionName];
        const script = seg.strings[f.scriptName];
        seg.frames[f.id] = fn === undefined || script === undefined
          ? UNRESOLVED
          : loader.symbols.internFrame(new Frame(fn, script, f.line, f.column, f.builtin));
        break;
      }
      case 'stack': {
        const { seg } = loader.ensureSegment();
        const local = record.stack.frames;
        const global = new Array<number>(local.length);
        let resolved = true;
        for (let i = 0; i < local.length; i++) {
          const frame = seg.frames[local[i]];
          if (frame === undefined || frame === UNRESOLVED) resolved = false;
          else global[i] = frame;
        }
        seg.stacks[record.stack.id] = resolved ? loader.symbols.internStack(global) : UNRESOLVED;
        break;
      }
      case 'batch':
        loader.batch(record.batch);
        break;
      case 'memory': {
        const { segment } = loader.ensureSegment();
        const m = record.memory;
        const timeNs = loader.absoluteTime(segment, m.timeNs);
        loader.memory.push({
          timeNs, rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers,
        });
        break;
      }
      case 'marker': {
        const { segment } = loader.ensureSegment();
        const m = record.marker;
        const timeNs = loader.absoluteTime(segment, m.timeNs);
        const requestedNs = m.requestedNs > 0 ? segment.offsetNs + m.requestedNs : null;
        const preciseSwitch = m.precise === PRECISE_ON ? 'on' : m.precise === PRECISE_OFF ? 'off' : null;
        if (preciseSwitch !== null) {
          // The writer polled just before the marker and switched right after it.
          loader.precise = preciseSwitch === 'on';
          loader.preciseSwitches++;
        }
        loader.markers.push({
          name: m.name, timeNs, gcForced: m.gcForced, requestedNs, cut: loader.batchTime.length, preciseSwitch,
        });
        break;
      }
      case 'trailer': {
        const { segment } = loader.ensureSegment();
        loader.trailer(segment, record.trailer);
        break;
      }
      case 'census': {
        const { segment } = loader.ensureSegment();
        const c = record.census;
        loader.censuses.push({
          timeNs: loader.absoluteTime(segment, c.timeNs),
          label: c.label,
          gcForced: c.gcForced,
          pauseNs: c.pauseNs,
          gcNs: c.gcNs,
          entries: c.entries.map((e) => ({ type: e.type, name: e.name, count: e.count, size: e.size })),
        });
        break;
      }
    }
  }
}
