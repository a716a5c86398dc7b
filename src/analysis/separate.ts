// `report FILE... --separate`: one report per file (one per process or
// thread), each with the process it came from. A file that cannot be reported
// (unknown marker, unreadable) fails alone, so the others are still shown.
import { OpenOptions, Replay } from '../replay/replay';
import { groupTimelines } from '../replay/timelines';
import { Report, ReportOptions, reportFromSnapshots, snapshotPair } from './report';

/** Which process and thread wrote a trace (from its first Header). */
export interface TraceOrigin {
  pid: number;
  /** 0 for the main thread, a Worker's threadId otherwise. */
  threadId: number;
  argv: string[];
  hostname: string;
}

/** A file's report (its first file's, for the rotated files of a session), or why it has none (test with `'report' in r`). */
export type FileReport =
  | { file: string; origin: TraceOrigin | null; report: Report }
  | { file: string; error: unknown };

/** The report of one file (or one session's rotated files), as buildReport would make it for them alone. */
function reportOne(files: string[], options: ReportOptions, open: OpenOptions): FileReport {
  const file = files[0];
  // Each file gets its own symbol table: nothing is shared or merged.
  const replay = Replay.open(files, open);
  const h = replay.header;
  const origin = h ? { pid: h.pid, threadId: h.threadId, argv: [...h.argv], hostname: h.hostname } : null;
  return { file, origin, report: reportFromSnapshots(files, [snapshotPair(replay, options)], options) };
}

/** One entry per file (per session for rotated files), in the order given; failures are entries too (never thrown). */
export function buildSeparateReports(files: readonly string[], options: ReportOptions, open: OpenOptions = {}): FileReport[] {
  return groupTimelines(files).map((timeline) => {
    try {
      return reportOne(timeline, options, open);
    } catch (error) {
      return { file: timeline[0], error };
    }
  });
}
