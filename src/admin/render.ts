// Turns in-process snapshots into the same report objects and text as the
// CLI's `report`. Loaded on the first request, not at preload: it brings the
// model and protobufjs with it.
import { DEFAULT_REPORT_OPTIONS, Report, reportFromSnapshots } from '../analysis/report';
import { Snapshot } from '../model/snapshot';
import type { Query } from './query';

export { Snapshot };
import { REPORTERS } from '../views/reporters';

export const reportJson = REPORTERS.report.json;
export const reportText = REPORTERS.report.text;
export { formatSize as sizeText } from '../views/units';

/** `beforeLabel` names the older snapshot for people: "the baseline", "the previous /diff". */
export function liveReport(now: Snapshot, before: Snapshot | null, q: Query, beforeLabel: string | null): Report {
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
