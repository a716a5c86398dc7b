// `census`: the object censuses a trace holds, and the growth between two of
// them (objgraph's show_growth): which kinds of objects grew by count and size.
import * as path from 'node:path';
import { HeapGraph } from '../heap/graph';
import { isHeapSnapshot, readHeapSnapshot } from '../heap/parse';
import { Census, CensusGrowth, censusGrowth } from '../model/census';
import { Replay } from '../replay/replay';

export class CensusChoiceError extends Error {}

export interface CensusGrowthResult {
  from: Census;
  to: Census;
  /** Every kind, grown most first (censusGrowth's order). */
  entries: CensusGrowth[];
}

export interface CensusReport {
  source: string;
  censuses: readonly Census[];
  /** With --compare-to: from that census to the last one. */
  growth: CensusGrowthResult | null;
  /** Kinds shown per census (or in the growth). */
  top: number;
  warnings: readonly string[];
}

export interface CensusOptions {
  /** A census's label, `first` or `previous` (the one before the last); null: list them. */
  compareTo: string | null;
  top: number;
}

/** The census `compareTo` names, compared with `to` (the last one). */
export function pickCensus(censuses: readonly Census[], compareTo: string, source: string): Census {
  const last = censuses.length - 1;
  if (censuses.length < 2) {
    throw new CensusChoiceError(`${source}: --compare-to needs two censuses, the trace holds ${censuses.length}`);
  }
  if (compareTo === 'first') return censuses[0];
  if (compareTo === 'previous') return censuses[last - 1];
  // The latest census of that label before the last one.
  for (let i = last - 1; i >= 0; i--) if (censuses[i].label === compareTo) return censuses[i];
  const labels = [...new Set(censuses.slice(0, last).map((c) => c.label))].join(', ');
  throw new CensusChoiceError(`${source}: no census labelled "${compareTo}" before the last one (labels: ${labels}; or first, previous)`);
}

export function censusReportOf(replay: Replay, options: CensusOptions): CensusReport {
  return reportOfCensuses(replay.name, replay.censuses, options, replay.warnings);
}

function reportOfCensuses(source: string, censuses: readonly Census[], options: CensusOptions, warnings: readonly string[]): CensusReport {
  let growth: CensusGrowthResult | null = null;
  if (options.compareTo !== null) {
    const from = pickCensus(censuses, options.compareTo, source);
    const to = censuses[censuses.length - 1];
    growth = { from, to, entries: censusGrowth(to, from) };
  }
  return { source, censuses, growth, top: options.top, warnings };
}

/** Saved heap snapshots, in the order given, as one series of censuses labelled by file name. */
function heapSnapshotCensuses(files: readonly string[], options: CensusOptions): CensusReport {
  const censuses = files.map((file): Census => {
    const g = new HeapGraph(readHeapSnapshot(file));
    return { timeNs: 0, label: path.basename(file), gcForced: false, entries: g.census(), pauseNs: 0 };
  });
  return reportOfCensuses(files.join(' + '), censuses, options, []);
}

export function buildCensusReports(files: readonly string[], options: CensusOptions): CensusReport[] {
  // Heap snapshot files (v8.writeHeapSnapshot, DevTools) are censuses of their own.
  const snapshots = files.filter(isHeapSnapshot);
  const traces = files.filter((f) => !snapshots.includes(f));
  return [
    ...(traces.length > 0 ? Replay.openEach(traces).map((r) => censusReportOf(r, options)) : []),
    ...(snapshots.length > 0 ? [heapSnapshotCensuses(snapshots, options)] : []),
  ];
}
