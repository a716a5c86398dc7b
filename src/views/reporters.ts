// One interface for every view, and the registry the CLI and the admin
// endpoint both render through: a reporter turns a computed result (a
// Report, a trace's info, ...) into text for people or a JSON value for
// programs. Reporters render only: they never read, decode or replay.
import type { Report } from '../analysis/report';
import type { TraceInfo } from '../replay/replay';
import { formatTextInfo, JsonInfo, toJsonInfo } from './info';
import { JsonReport, toJsonReport } from './json';
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

/** Every reporter by the command that shows it. */
export const REPORTERS = {
  report: reportReporter,
  info: infoReporter,
} as const;

export type ReporterName = keyof typeof REPORTERS;
