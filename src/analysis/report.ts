// What `report` shows, computed once for the text and JSON views: the live
// set at one moment (optionally compared to another), filtered and grouped.
import { Filter } from '../model/filter';
import { Frame } from '../model/frame';
import { Snapshot, Totals, WindowTotals } from '../model/snapshot';
import { KeyType, Statistic, StatisticDiff } from '../model/statistic';
import { OpenOptions, Replay } from '../replay/replay';

export interface ReportOptions {
  groupBy: KeyType;
  /** Entries shown; the rest are summed up as "other". */
  top: number;
  at: string;
  /** null: no comparison. */
  compareTo: string | null;
  include: string[];
  exclude: string[];
  /** Frames dropped from every stack before grouping (pprof's -hide), after the filters. */
  hide: string[];
  /** Filters check every frame, not only the most recent. */
  allFrames: boolean;
  cumulative: boolean;
  json: boolean;
}

export const DEFAULT_REPORT_OPTIONS: Readonly<ReportOptions> = {
  groupBy: 'lineno', top: 10, at: 'end', compareTo: null, include: [], exclude: [], hide: [],
  allFrames: false, cumulative: false, json: false,
};

export interface ReportMoment {
  when: string;
  label: string;
  timeNs: number;
}

/**
 * Whether the report's window was recorded in precise mode. The window is the
 * live set shown, or with a comparison the samples the later live set gained
 * since the earlier moment.
 */
export interface PreciseWindow extends WindowTotals {
  /** No allocation in the window was made with inlining on: every function is exact. */
  exact: boolean;
  /** Precise mode was switched while the traced app ran, so exactness depends on the window. */
  switched: boolean;
}

export interface Report {
  files: string[];
  options: ReportOptions;
  at: ReportMoment;
  compareTo: ReportMoment | null;
  /** The traced process's cwd: files under it are shown relative. */
  cwd: string;
  /** Every entry, sorted (views cut at options.top). */
  entries: (Statistic | StatisticDiff)[];
  total: Totals;
  /** Totals of the compared-to snapshot, when comparing. */
  totalBefore: Totals | null;
  /** How much of the window was allocated with inlining on (allocations of inlined callees charged to callers). */
  precise: PreciseWindow;
  /**
   * Some of the top entries are Node's own functions while part of the window
   * was allocated with inlining on: they probably host inlined application code.
   */
  nodeInternalTop: boolean;
  /** Problems with the data (truncation...), for stderr and JSON. */
  warnings: string[];
}

export function isDiff(e: Statistic | StatisticDiff): e is StatisticDiff {
  return e instanceof StatisticDiff;
}

function buildFilters(options: ReportOptions): Filter[] {
  const opts = { allFrames: options.allFrames };
  return [
    ...options.include.map((p) => new Filter(true, p, opts)),
    ...options.exclude.map((p) => new Filter(false, p, opts)),
  ];
}

/** One source's live set at the report's moment, and at the compared-to moment. */
export interface SnapshotPair {
  now: Snapshot;
  before: Snapshot | null;
}

/**
 * Loads each file (the rotated files of a session as one timeline), takes its
 * live set at options.at (and compareTo), merges them into one report.
 * Throws NotATraceError, WhenError or I/O errors.
 */
export function buildReport(files: readonly string[], options: ReportOptions, open: OpenOptions = {}): Report {
  return reportFromReplays(files, Replay.openEach(files, open), options);
}

/** The report of replays already open (one per timeline, sharing a symbol table). */
export function reportFromReplays(files: readonly string[], replays: readonly Replay[], options: ReportOptions): Report {
  const pairs: SnapshotPair[] = replays.map((replay) => snapshotPair(replay, options));
  return reportFromSnapshots(files, pairs, options);
}

/** A replay's live set at options.at, and at options.compareTo. */
export function snapshotPair(replay: Replay, options: Pick<ReportOptions, 'at' | 'compareTo'>): SnapshotPair {
  const now = replay.liveAt(options.at);
  const before = options.compareTo === null ? null : replay.liveAt(options.compareTo);
  return { now, before };
}

/** The samples the later of the two live sets gained since the earlier one (all of `now` without one). */
function windowOf({ now, before }: SnapshotPair): WindowTotals {
  if (before === null) return now.windowTotals(null);
  const [later, earlier] = now.info.timeNs >= before.info.timeNs ? [now, before] : [before, now];
  return later.windowTotals(earlier.info.timeNs);
}

/** The frame an entry is keyed by. */
function keyFrame(e: Statistic | StatisticDiff): Frame | null {
  return e.keyType === 'traceback' ? e.traceback.leaf : e.traceback.frames[0] ?? null;
}

/** Top entries looked at for Node's own functions. */
const NODE_INTERNAL_TOP = 3;

/**
 * Whether Node's own functions lead the growing top entries: the first of
 * them, or most of them. (One among several is often real: module loading.)
 */
function nodeInternalLeads(top: readonly (Statistic | StatisticDiff)[]): boolean {
  const growing = top.filter((e) => (isDiff(e) ? e.sizeDiff : e.size) > 0);
  const internal = growing.map((e) => {
    const f = keyFrame(e);
    return f !== null && !f.builtin && f.file.startsWith('node:');
  });
  return internal.length > 0 && (internal[0] || internal.filter(Boolean).length * 2 > internal.length);
}

/**
 * The report of each source's live set (optionally against an older one),
 * merged: files or in-process snapshots alike. Each source's times are its
 * own, so each pair's window is taken before the merge.
 */
export function reportFromSnapshots(files: readonly string[], pairs: readonly SnapshotPair[], options: ReportOptions): Report {
  const filters = buildFilters(options);
  const shown = (s: Snapshot): Snapshot => s.filterTraces(filters).hideFrames(options.hide);
  const prepared = pairs.map((p) => ({ now: shown(p.now), before: p.before && shown(p.before) }));
  const window = { size: 0, inlinedSize: 0 };
  for (const p of prepared) {
    const w = windowOf(p);
    window.size += w.size;
    window.inlinedSize += w.inlinedSize;
  }
  const precise: PreciseWindow = {
    ...window, exact: window.inlinedSize === 0, switched: pairs.some((p) => p.now.info.preciseSwitches > 0),
  };
  const snap = Snapshot.merge(prepared.map((p) => p.now));
  const befores = prepared.flatMap((p) => (p.before ? [p.before] : []));
  const old = befores.length > 0 ? Snapshot.merge(befores) : null;
  const statOptions = { cumulative: options.cumulative };
  const entries = old
    ? snap.compareTo(old, options.groupBy, statOptions)
    : snap.statistics(options.groupBy, statOptions);
  const moment = (s: Snapshot): ReportMoment => ({ when: s.info.when, label: s.info.label, timeNs: s.info.timeNs });
  const nodeInternalTop = !precise.exact && nodeInternalLeads(entries.slice(0, Math.min(NODE_INTERNAL_TOP, options.top)));
  return {
    files: [...files],
    options,
    at: moment(snap),
    compareTo: old ? moment(old) : null,
    cwd: snap.cwd,
    entries,
    total: snap.total,
    totalBefore: old ? old.total : null,
    precise,
    nodeInternalTop,
    warnings: snap.info.warnings,
  };
}
