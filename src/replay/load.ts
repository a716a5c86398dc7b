// Replays a trace stream into compact columns: one row per kind of sampled
// allocation (stack, size, estimated objects, batch it appeared in, batch it
// went away in, and how many samples share all of these), so that the live
// set at any moment is a scan, not a map clone. While reading, only the live
// samples are held by id (to match frees): memory follows the live set and
// the variety of the samples, not the length of the file.
import { BatchRecord, HeaderRecord, MemoryRecord, PRECISE_OFF, PRECISE_ON, TrailerRecord } from '../format/proto';
import { DamagedRange, ProgressListener, TraceReader, TraceSource } from '../format/reader';
import type { Census } from '../model/census';
import type { Recorded, RetainersResult, SuspectsFinding } from '../model/findings';
import { Frame } from '../model/frame';
import { SymbolTable } from '../model/symbols';
import { F64Column, U8Column } from './columns';
import { estimatedObjects } from './estimate';
import { LiveSamples } from './live-samples';
import { RowWriter } from './rows';

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
  /** Rows: sampled allocations alike in every column below share one (allocSamples says how many). */
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
  /** Samples the row stands for (at least 1). */
  allocSamples: Uint32Array;
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
  /** retainers() / GET /retainers answers written into the trace, oldest first. */
  retainers: Recorded<RetainersResult>[];
  /** Suspects windows' answers written into the trace, oldest first. */
  suspects: Recorded<SuspectsFinding>[];
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
  /** Sampled allocations still live at the end. */
  liveAtEnd: number;
  /** A 'fast' count-only load whose counts may differ from a full replay (see LoadOptions.countOnly). */
  countsInexact: boolean;
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
}

/** A Batch as the loader reads it: a hand-decoded view (counts given) or a protobufjs record. */
export interface BatchInput {
  timeNs: number;
  liveSet: boolean;
  allocCount: number;
  allocIds: ArrayLike<number>;
  stackCount: number;
  allocStacks: ArrayLike<number>;
  sizeCount: number;
  allocSizes: ArrayLike<number>;
  freedCount: number;
  freedIds: ArrayLike<number>;
}

function batchInput(b: BatchRecord): BatchInput {
  return {
    timeNs: b.timeNs, liveSet: b.liveSet, allocCount: b.allocIds.length, allocIds: b.allocIds,
    stackCount: b.allocStacks.length, allocStacks: b.allocStacks, sizeCount: b.allocSizes.length, allocSizes: b.allocSizes,
    freedCount: b.freedIds.length, freedIds: b.freedIds,
  };
}

export interface LoadOptions {
  /** Share one table between several traces (to merge or compare them). */
  symbols?: SymbolTable;
  /** Name used in messages (for a single source); defaults to the path. */
  name?: string;
  /** Told the bytes read so far of the source being read, and its size (0: a pipe). */
  onProgress?: (read: number, total: number, name: string) => void;
  /**
   * Count only (`info`): no rows are written, so no query but counts,
   * markers, segments and liveAtEnd can be answered from the result.
   * 'exact' still matches every free to its sample (as a full load does);
   * 'fast' decodes no sample list, only counts its entries: liveAtEnd is
   * then the last session's allocs minus frees, which holds for a trace its
   * writer wrote whole (ids unique, frees only of live samples). Where that
   * cannot be trusted (damaged records, a restated live set after samples
   * were seen) the result says so in `countsInexact`: read it again with 'exact'.
   */
  countOnly?: 'exact' | 'fast';
}

class Loader {
  readonly symbols: SymbolTable;
  readonly warnings: string[] = [];
  readonly segments: Segment[] = [];
  readonly markers: LoadedMarker[] = [];
  readonly censuses: Census[] = [];
  readonly retainers: Recorded<RetainersResult>[] = [];
  readonly suspects: Recorded<SuspectsFinding>[] = [];
  readonly memory: MemorySample[] = [];
  readonly live = new LiveSamples();
  readonly rows = new RowWriter();
  /** Write no rows (counting only). */
  readonly countOnly: 'exact' | 'fast' | null;
  /** 'fast' counting: live samples of the current session, and whether that count can be trusted. */
  liveCount = 0;
  countsInexact = false;
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

  constructor(symbols: SymbolTable, countOnly: 'exact' | 'fast' | null) {
    this.symbols = symbols;
    this.countOnly = countOnly;
  }

  /** Live slot `s` went away in batch `index` (NEVER_FREED: still live at the end). */
  retire(s: number, index: number): void {
    const live = this.live;
    if (this.countOnly === null) this.rows.add(live.stack[s], live.size[s], live.objects[s], live.born[s], index);
    if (index !== NEVER_FREED) live.remove(s);
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
      const live = this.live;
      for (let s = 0; s < live.slots; s++) if (!live.dead[s]) this.retire(s, b);
      live.clear();
      this.liveCount = 0;
    }
    this.seg = new SegmentIds();
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

  // estimatedObjects per size (small sizes) at objectsInterval: Math.exp once per size, not per sample.
  private objectsBySize = new Uint32Array(1 << 12);
  private objectsInterval = -1;

  objectsOf(size: number, interval: number): number {
    if (size >= this.objectsBySize.length) return estimatedObjects(size, interval);
    if (interval !== this.objectsInterval) {
      this.objectsBySize.fill(0);
      this.objectsInterval = interval;
    }
    let n = this.objectsBySize[size];
    if (n === 0) n = this.objectsBySize[size] = estimatedObjects(size, interval);
    return n;
  }

  /** Adds a live sample, unless its stack cannot be resolved (then it is counted and dropped). */
  pushAlloc(seg: SegmentIds, id: number, localStack: number, size: number, interval: number, index: number): boolean {
    const stack = seg.stacks[localStack];
    if (stack === undefined || stack === UNRESOLVED) {
      this.unresolvedSamples++;
      return false;
    }
    this.live.add(id, stack, size, this.objectsOf(size, interval), index);
    return true;
  }

  batch(b: BatchInput): void {
    const { seg, segment } = this.ensureSegment();
    const index = this.batchTime.length;
    this.batchTime.push(this.absoluteTime(segment, b.timeNs));
    this.batchPrecise.push(this.precise ? 1 : 0);
    segment.batches++;
    if (this.countOnly === 'fast') {
      this.countBatch(b, segment, index);
      return;
    }
    if (b.liveSet) {
      this.restate(b, seg, segment, index);
      return;
    }

    const ids = b.allocIds;
    const stacks = b.allocStacks;
    const sizes = b.allocSizes;
    const n = b.allocCount;
    if (b.stackCount !== n || b.sizeCount !== n) {
      this.warnings.push(`batch ${index}: ${n} alloc ids but ${b.stackCount} stacks and ${b.sizeCount} sizes; using the common part`);
    }
    const m = Math.min(n, b.stackCount, b.sizeCount);
    const interval = segment.header.sampleInterval;
    let id = 0;
    for (let i = 0; i < m; i++) {
      id += ids[i];
      this.pushAlloc(seg, id, stacks[i], sizes[i], interval, index);
    }
    segment.allocs += n;
    this.partAllocs += n;

    const freedIds = b.freedIds;
    const nf = b.freedCount;
    segment.frees += nf;
    this.partFrees += nf;
    let fid = 0;
    let lo = 0;
    for (let i = 0; i < nf; i++) {
      fid += freedIds[i];
      // Freed ids are increasing too: search from the last hit on.
      const s = this.live.find(fid, lo);
      if (s >= 0) {
        lo = s + 1;
        this.retire(s, index);
      } else {
        this.unknownFrees++;
      }
    }
    this.live.compact();
  }

  /** A batch of a 'fast' count: entries counted, no sample list decoded. */
  countBatch(b: BatchInput, segment: Segment, index: number): void {
    const n = b.allocCount;
    if (b.stackCount !== n || b.sizeCount !== n) {
      this.warnings.push(`batch ${index}: ${n} alloc ids but ${b.stackCount} stacks and ${b.sizeCount} sizes; using the common part`);
    }
    const m = Math.min(n, b.stackCount, b.sizeCount);
    if (b.liveSet) {
      // Alone (a rotated file read on its own) every restated sample appears;
      // after samples were seen only their ids tell which stay.
      if (this.liveCount > 0 || segment.allocs > 0) this.countsInexact = true;
      segment.allocs += m;
      this.liveCount = m;
      return;
    }
    segment.allocs += n;
    this.partAllocs += n;
    segment.frees += b.freedCount;
    this.partFrees += b.freedCount;
    this.liveCount += m - b.freedCount;
  }

  /**
   * A rotated file's first batch: the whole live set at that moment. Samples
   * the replay already holds stay as they are; others appear (a file read on
   * its own, or after a gap); live ones it lacks went away.
   */
  restate(b: BatchInput, seg: SegmentIds, segment: Segment, index: number): void {
    const live = this.live;
    const kept = new Uint8Array(live.slots);
    const m = Math.min(b.allocCount, b.stackCount, b.sizeCount);
    // First which samples stay and which appear, then the changes (adding moves no slot, but keep it simple).
    const appear: number[] = [];
    let id = 0;
    for (let i = 0; i < m; i++) {
      id += b.allocIds[i];
      const s = live.find(id);
      if (s >= 0 && !kept[s]) kept[s] = 1;
      else appear.push(id, b.allocStacks[i], b.allocSizes[i]);
    }
    const slots = live.slots;
    for (let s = 0; s < slots; s++) {
      if (live.dead[s] || kept[s]) continue;
      this.retire(s, index);
      segment.frees++;
    }
    const interval = segment.header.sampleInterval;
    for (let i = 0; i < appear.length; i += 3) {
      if (this.pushAlloc(seg, appear[i], appear[i + 1], appear[i + 2], interval, index)) segment.allocs++;
    }
    live.compact();
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
    // The samples still live: their rows end here.
    const live = this.live;
    for (let s = 0; s < live.slots; s++) if (!live.dead[s]) this.retire(s, NEVER_FREED);
    const liveAtEnd = this.countOnly === 'fast' ? this.liveCount : live.live;
    live.clear();
    // Damage may have taken allocs whose frees remain: only matching ids tells.
    const countsInexact = this.countOnly === 'fast' && (this.countsInexact || readers.some((r) => r.damaged.length > 0));
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
      allocCount: this.rows.rows,
      allocStack: this.rows.stack.view(),
      allocSize: this.rows.size.view(),
      allocObjects: this.rows.objects.view(),
      allocBorn: this.rows.born.view(),
      allocFreed: this.rows.freed.view(),
      allocSamples: this.rows.samples.view(),
      liveAtEnd,
      countsInexact,
      batchCount: this.batchTime.length,
      batchTimeNs: this.batchTime.view(),
      batchPrecise: this.batchPrecise.view(),
      preciseSwitches: this.preciseSwitches,
      markers: this.markers,
      censuses: this.censuses,
      retainers: this.retainers,
      suspects: this.suspects,
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
  const loader = new Loader(options.symbols ?? new SymbolTable(), options.countOnly ?? null);
  const progress = options.onProgress;
  for (const reader of readers) {
    if (progress) {
      const listener: ProgressListener = (read, total) => progress(read, total, reader.name);
      reader.onProgress = listener;
    }
    loadRecords(reader, loader, loader.countOnly === 'fast');
  }
  return loader.finish(readers);
}

function loadRecords(reader: TraceReader, loader: Loader, countOnly: boolean): void {
  for (const { record } of reader.fastRecords(countOnly)) {
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
      case 'batchView':
        loader.batch(record.batch);
        break;
      case 'batch':
        loader.batch(batchInput(record.batch));
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
          ...(c.countsOnly ? { countsOnly: true } : {}),
          entries: c.entries.map((e) => ({ type: e.type, name: e.name, count: e.count, size: e.size })),
        });
        break;
      }
      case 'retainers': {
        const { segment } = loader.ensureSegment();
        const r = record.retainers;
        loader.retainers.push({
          timeNs: loader.absoluteTime(segment, r.timeNs), label: r.label, type: r.type, site: r.site === '' ? null : r.site,
          chosen: r.chosen, instances: r.instances, size: r.size, unreachable: r.unreachable,
          clusters: r.paths.map((p) => ({ path: p.path, count: p.count, size: p.size, exampleId: p.exampleId })),
        });
        break;
      }
      case 'suspects': {
        const { segment } = loader.ensureSegment();
        const s = record.suspects;
        loader.suspects.push({
          timeNs: loader.absoluteTime(segment, s.timeNs), label: s.label, seconds: s.seconds, site: s.site === '' ? null : s.site,
          tracked: s.tracked, trackedSize: s.trackedSize, precise: s.precise,
          suspects: s.groups.map((g) => ({ function: g.function, file: g.file, line: g.line, path: g.path, count: g.count, size: g.size })),
        });
        break;
      }
    }
  }
}
