// What `report` shows, computed once for the text and JSON views: the live
// set at one moment (optionally compared to another), filtered and grouped.
import { Filter } from '../model/filter';
import { Snapshot, Totals } from '../model/snapshot';
import { KeyType, Statistic, StatisticDiff } from '../model/statistic';
import { SymbolTable } from '../model/symbols';
import { loadTrace } from './load';
import { groupTimelines } from './timeline';
import { resolveWhen } from './when';

export interface ReportOptions {
  groupBy: KeyType;
  /** Entries shown; the rest are summed up as "other". */
  top: number;
  at: string;
  /** null: no comparison. */
  compareTo: string | null;
  include: string[];
  exclude: string[];
  /** Filters check every frame, not only the most recent. */
  allFrames: boolean;
  cumulative: boolean;
  json: boolean;
}

export const DEFAULT_REPORT_OPTIONS: Readonly<ReportOptions> = {
  groupBy: 'lineno', top: 10, at: 'end', compareTo: null, include: [], exclude: [],
  allFrames: false, cumulative: false, json: false,
};

export interface ReportMoment {
  when: string;
  label: string;
  timeNs: number;
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
  /** False if any trace was recorded with TurboFan inlining on. */
  precise: boolean;
  /** Problems with the data (truncation...), for stderr and JSON. */
  warnings: string[];
}

export function isDiff(e: Statistic | StatisticDiff): e is StatisticDiff {
  return e instanceof StatisticDiff;
}

/** The note shown once when a trace was not recorded in precise mode. */
export const INLINING_NOTE =
  'allocations in functions that V8 inlined are charged to their callers; record with --precise (ALLOCTRACE_PRECISE=1) for exact functions';

function buildFilters(options: ReportOptions): Filter[] {
  const opts = { allFrames: options.allFrames };
  return [
    ...options.include.map((p) => new Filter(true, p, opts)),
    ...options.exclude.map((p) => new Filter(false, p, opts)),
  ];
}

/**
 * Loads each file (the rotated files of a session as one timeline), takes its
 * live set at options.at (and compareTo), merges them into one report.
 * Throws NotATraceError, WhenError or I/O errors.
 */
export function buildReport(files: readonly string[], options: ReportOptions): Report {
  const symbols = new SymbolTable();
  const now: Snapshot[] = [];
  const before: Snapshot[] = [];
  let precise = true;
  for (const timeline of groupTimelines(files)) {
    const trace = loadTrace(timeline, { symbols });
    now.push(Snapshot.fromTrace(trace, resolveWhen(trace, options.at)));
    if (options.compareTo !== null) before.push(Snapshot.fromTrace(trace, resolveWhen(trace, options.compareTo)));
    for (const s of trace.segments) if (!s.header.precise) precise = false;
  }
  const old = before.length > 0 ? Snapshot.merge(before) : null;
  return reportFromSnapshots(files, Snapshot.merge(now), old, options, precise);
}

/** The report of one live set (optionally against an older one): files or in-process snapshots alike. */
export function reportFromSnapshots(
  files: readonly string[], now: Snapshot, before: Snapshot | null, options: ReportOptions, precise: boolean,
): Report {
  const filters = buildFilters(options);
  const snap = now.filterTraces(filters);
  const old = before ? before.filterTraces(filters) : null;
  const statOptions = { cumulative: options.cumulative };
  const entries = old
    ? snap.compareTo(old, options.groupBy, statOptions)
    : snap.statistics(options.groupBy, statOptions);
  const moment = (s: Snapshot): ReportMoment => ({ when: s.info.when, label: s.info.label, timeNs: s.info.timeNs });
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
    warnings: snap.info.warnings,
  };
}
