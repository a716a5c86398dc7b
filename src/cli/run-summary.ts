// What `alloctrace run` prints once the command has finished: the report of
// the trace whose process allocated the most (with `run -- npm start` that is
// the app, not npm), at its peak as well as at its end when they differ (a
// finished program's end follows the exit GC and hides what it held at its
// worst), then every trace file, with what each process allocated.
import { Report, ReportOptions, reportFromSnapshots } from '../analysis/report';
import { SourceMapLocator } from '../locate/source-maps';
import { Replay } from '../replay/replay';
import { commandLine, describeOrigin } from '../views/separate';
import { formatTextReport } from '../views/text';
import { formatSize } from '../views/units';
import { errorMessage, say } from './errors';
import { FoundTrace } from './run-traces';

export interface RunTrace {
  found: FoundTrace;
  /** Estimated bytes of every sample it recorded; null when it could not be read. */
  allocated: number | null;
  /** Who wrote it: `pid 12, main thread: node app.js`; null when unknown. */
  who: string | null;
}

export interface RunSummary {
  /** Every trace, in the order found. */
  traces: RunTrace[];
  /** The one that allocated the most, loaded; null when none could be read. */
  busiest: { run: RunTrace; trace: Replay } | null;
}

function describeWriter(trace: Replay): string | null {
  const h = trace.header;
  if (!h) return null;
  const origin = describeOrigin({ pid: h.pid, threadId: h.threadId, argv: h.argv, hostname: h.hostname });
  // A Worker's argv is only the node binary: nothing worth showing.
  return h.argv.length > 1 ? `${origin}: ${commandLine(h.argv)}` : origin;
}

/** Loads each trace once, keeping only the busiest loaded; a trace that cannot be read is said and skipped. */
export function summarizeRun(found: readonly FoundTrace[]): RunSummary {
  const traces: RunTrace[] = [];
  let busiest: RunSummary['busiest'] = null;
  for (const f of found) {
    let trace: Replay;
    try {
      // Shown at original positions where the app's scripts have source maps.
      trace = Replay.open([f.file, ...f.parts], { locator: new SourceMapLocator() });
    } catch (err) {
      say(errorMessage(err));
      traces.push({ found: f, allocated: null, who: null });
      continue;
    }
    const run: RunTrace = { found: f, allocated: trace.allocatedBytes(), who: describeWriter(trace) };
    traces.push(run);
    // Ties go to the first found: the command's own process.
    if (busiest === null || (run.allocated as number) > (busiest.run.allocated as number)) busiest = { run, trace };
  }
  return { traces, busiest };
}

function report(trace: Replay, when: string, options: ReportOptions): Report {
  return reportFromSnapshots([trace.name], [{ now: trace.liveAt(when), before: null }], options);
}

/** The busiest trace's report at its end, preceded by its report at the peak when the peak held more. */
export function formatBusiestReports(summary: RunSummary, options: ReportOptions): string {
  const { busiest } = summary;
  if (busiest === null) return '';
  const { run, trace } = busiest;
  const end = report(trace, 'end', options);
  const peak = report(trace, 'peak', options);
  for (const w of end.warnings) say(w);
  const readable = summary.traces.filter((t) => t.allocated !== null).length;
  const lines = [`=== ${run.found.file}${run.who ? `: ${run.who}` : ''}`];
  if (readable > 1) lines.push(`(the process that allocated the most of the ${readable} traced: ${formatSize(run.allocated as number)} sampled)`);
  let out = `${lines.join('\n')}\n`;
  if (peak.total.size > end.total.size) {
    // The notes come once: under the end report, unless its window holds nothing they concern.
    const quiet = { ...peak, precise: { ...peak.precise, exact: true, switched: false }, nodeInternalTop: false };
    out += `${formatTextReport(end.precise.exact ? peak : quiet)}\n`;
  }
  return out + formatTextReport(end);
}
