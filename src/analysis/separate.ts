// `report FILE... --separate`: one report per file (one per process or
// thread), each with the process it came from. A file that cannot be reported
// (unknown marker, unreadable) fails alone, so the others are still shown.
import { Snapshot } from '../model/snapshot';
import { loadTrace } from './load';
import { Report, ReportOptions, reportFromSnapshots } from './report';
import { resolveWhen } from './when';

/** Which process and thread wrote a trace (from its first Header). */
export interface TraceOrigin {
  pid: number;
  /** 0 for the main thread, a Worker's threadId otherwise. */
  threadId: number;
  argv: string[];
  hostname: string;
}

/** A file's report, or why it has none (test with `'report' in r`). */
export type FileReport =
  | { file: string; origin: TraceOrigin | null; report: Report }
  | { file: string; error: unknown };

/** The report of one file, as buildReport would make it for that file alone. */
function reportOne(file: string, options: ReportOptions): FileReport {
  // Each file gets its own symbol table: nothing is shared or merged.
  const trace = loadTrace(file);
  const now = Snapshot.fromTrace(trace, resolveWhen(trace, options.at));
  const before = options.compareTo === null ? null : Snapshot.fromTrace(trace, resolveWhen(trace, options.compareTo));
  const h = trace.segments.length > 0 ? trace.segments[0].header : null;
  const origin = h ? { pid: h.pid, threadId: h.threadId, argv: [...h.argv], hostname: h.hostname } : null;
  return { file, origin, report: reportFromSnapshots([file], [{ now, before }], options) };
}

/** One entry per file, in the order given; failures are entries too (never thrown). */
export function buildSeparateReports(files: readonly string[], options: ReportOptions): FileReport[] {
  return files.map((file) => {
    try {
      return reportOne(file, options);
    } catch (error) {
      return { file, error };
    }
  });
}
