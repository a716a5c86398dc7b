// Turns in-process snapshots into the same report objects and text as the
// CLI's `report`. Loaded on the first request, not at preload: it brings the
// model and protobufjs with it.
import { DEFAULT_REPORT_OPTIONS, Report, reportFromSnapshots } from '../analysis/report';
import { locateSymbols } from '../locate/locator';
import { SourceMapLocator } from '../locate/source-maps';
import { Snapshot } from '../model/snapshot';
import type { Query } from './query';

export { Snapshot };
import { REPORTERS } from '../views/reporters';

export const reportJson = REPORTERS.report.json;
export const reportText = REPORTERS.report.text;
export { formatSize as sizeText } from '../views/units';

/** `beforeLabel` names the older snapshot for people: "the baseline", "the previous /diff". */
/** One for the process's life: each script's map is read once. */
const sourceMaps = new SourceMapLocator();

/** A live snapshot with its frames at their original positions (TypeScript, bundles). */
function located(s: Snapshot): Snapshot {
  return new Snapshot(locateSymbols(s.symbols, sourceMaps), s.columns, s.info);
}

export function liveReport(rawNow: Snapshot, rawBefore: Snapshot | null, q: Query, beforeLabel: string | null): Report {
  const now = located(rawNow);
  const before = rawBefore && located(rawBefore);
  const options = { ...DEFAULT_REPORT_OPTIONS, groupBy: q.groupBy, top: q.limit, cumulative: q.cumulative, hide: q.hide };
  const report = reportFromSnapshots(['live'], [{ now, before }], options);
  return {
    ...report,
    at: { ...report.at, when: 'now', label: 'now' },
    compareTo: report.compareTo && { ...report.compareTo, when: beforeLabel ?? 'before', label: beforeLabel ?? 'before' },
  };
}

export { censusGrowth } from '../model/census';
export { censusJson, formatTextCensus, formatTextGrowth, growthJson } from '../views/census';
export const retainersJson = REPORTERS.retainers.json;
export const retainersText = REPORTERS.retainers.text;
export const largestJson = REPORTERS.largest.json;
export const largestText = REPORTERS.largest.text;
export const suspectsJson = REPORTERS.suspects.json;
export const suspectsText = REPORTERS.suspects.text;
