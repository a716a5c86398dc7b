// One interface for every view, and the registry the CLI and the admin
// endpoint both render through: a reporter turns a computed result (a
// Report, a trace's info, ...) into text for people or a JSON value for
// programs. Reporters render only: they never read, decode or replay.
import type { CensusReport } from '../analysis/census';
import type { LeaksResult } from '../analysis/leaks';
import type { Report } from '../analysis/report';
import type { Timeline } from '../analysis/timeline';
import type { TraceInfo } from '../replay/replay';
import { formatTextCensusReport, JsonCensusReport, toJsonCensusReport } from './census';
import { formatTextInfo, JsonInfo, toJsonInfo } from './info';
import { formatTextLargest, JsonLargest, LargestInput, toJsonLargest } from './largest';
import {
  formatTextRecordedRetainers, formatTextRetainers, JsonRecordedRetainers, JsonRetainers, RecordedRetainersInput, RetainersInput,
  toJsonRecordedRetainers, toJsonRetainers,
} from './retainers';
import {
  formatTextRecordedSuspects, formatTextSuspects, JsonRecordedSuspects, JsonSuspects, RecordedSuspectsInput, SuspectsInput,
  toJsonRecordedSuspects, toJsonSuspects,
} from './suspects';
import { JSON_SCHEMA, JsonReport, toJsonReport } from './json';
import { formatTextLeaks, JsonLeaks, toJsonLeaks } from './leaks';
import { formatTextTimeline, JsonTimeline, toJsonTimeline } from './timeline';
import { formatTextReport } from './text';

export interface Reporter<Input, Json> {
  /** What it shows, for help texts. */
  readonly describe: string;
  text(input: Input): string;
  json(input: Input): Json;
}

/** `--json` output: the reporter's JSON value, pretty-printed, one object per run. */
export function jsonText<Input, Json>(reporter: Reporter<Input, Json>, input: Input): string {
  return `${JSON.stringify(reporter.json(input), null, 2)}\n`;
}

export const reportReporter: Reporter<Report, JsonReport> = {
  describe: 'the allocation sites holding the most live memory at a moment (optionally compared with another)',
  text: formatTextReport,
  json: toJsonReport,
};

export const infoReporter: Reporter<TraceInfo, JsonInfo> = {
  describe: 'what a trace holds and whether it is whole',
  text: formatTextInfo,
  json: toJsonInfo,
};

export const leaksReporter: Reporter<LeaksResult, JsonLeaks> = {
  describe: 'sites ranked by sustained growth of their live memory across the run',
  text: formatTextLeaks,
  json: toJsonLeaks,
};

export const timelineReporter: Reporter<Timeline, JsonTimeline> = {
  describe: 'rss, V8 heap, external and traced live memory over time, with markers',
  text: formatTextTimeline,
  json: toJsonTimeline,
};

export const censusReporter: Reporter<CensusReport, JsonCensusReport> = {
  describe: 'object censuses (counts and shallow sizes by kind) and the growth between two',
  text: formatTextCensusReport,
  json: toJsonCensusReport,
};

export const retainersReporter: Reporter<RetainersInput, JsonRetainers> = {
  describe: 'who holds the instances of a type: shortest retaining paths, alike ones together',
  text: formatTextRetainers,
  json: toJsonRetainers,
};

export const suspectsReporter: Reporter<SuspectsInput, JsonSuspects> = {
  describe: 'allocating code joined with what still holds its objects',
  text: formatTextSuspects,
  json: toJsonSuspects,
};

export const recordedRetainersReporter: Reporter<RecordedRetainersInput, JsonRecordedRetainers> = {
  describe: 'the retainers answers a trace keeps, oldest first',
  text: formatTextRecordedRetainers,
  json: toJsonRecordedRetainers,
};

export const recordedSuspectsReporter: Reporter<RecordedSuspectsInput, JsonRecordedSuspects> = {
  describe: 'the suspects windows\' answers a trace keeps, oldest first',
  text: formatTextRecordedSuspects,
  json: toJsonRecordedSuspects,
};

export const largestReporter: Reporter<LargestInput, JsonLargest> = {
  describe: 'the objects holding the most (retained size), with retaining path and a redacted preview',
  text: formatTextLargest,
  json: toJsonLargest,
};

/** Every reporter by the command that shows it. */
export const REPORTERS = {
  largest: largestReporter,
  retainers: retainersReporter,
  suspects: suspectsReporter,
  recordedRetainers: recordedRetainersReporter,
  recordedSuspects: recordedSuspectsReporter,
  report: reportReporter,
  info: infoReporter,
  leaks: leaksReporter,
  timeline: timelineReporter,
  census: censusReporter,
} as const;

/**
 * Several results (one per traced process) in one output: text sections one
 * after the other; JSON one object, or `{schema, traces: [...]}` for several.
 */
export function renderEach<Input, Json>(reporter: Reporter<Input, Json>, inputs: readonly Input[], json: boolean): string {
  if (!json) return inputs.map((i) => reporter.text(i)).join('\n');
  if (inputs.length === 1) return jsonText(reporter, inputs[0]);
  return `${JSON.stringify({ schema: JSON_SCHEMA, traces: inputs.map((i) => reporter.json(i)) }, null, 2)}\n`;
}

export type ReporterName = keyof typeof REPORTERS;
