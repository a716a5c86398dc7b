// `alloctrace report`: the top allocation sites live at a moment.
import { parseArgs } from 'node:util';
import { progressLine } from './progress';
import { buildReport, DEFAULT_REPORT_OPTIONS, ReportOptions } from '../analysis/report';
import { buildSeparateReports } from '../analysis/separate';
import { KEY_TYPES, KeyType } from '../model/statistic';
import { formatSeparateJson, formatSeparateText } from '../views/separate';
import { jsonText, REPORTERS } from '../views/reporters';
import { checkTop } from './args';
import { SourceMapLocator } from '../locate/source-maps';
import { locatorFrom, openOptions, SOURCE_MAP_HELP, SOURCE_MAP_OPTIONS } from './source-maps';
import {
  EXIT_CODES_HELP, EXIT_FAILURE, EXIT_OK, errorMessage, exitCodeOf, reportFailure, say, UsageError, usageFromParseArgs,
} from './errors';

export const REPORT_HELP = `Usage: alloctrace report FILE... [options]

Shows the allocation sites holding the most (estimated) live memory at one
moment of a trace, like Python's tracemalloc. Several FILEs (one per process
or thread, e.g. from alloctrace run) are merged into one report, unless
--separate keeps them apart. A FILE may be a pipe, a FIFO or <(command), and
- reads standard input.

Options:
  --group-by KEY     lineno (default), filename, function or traceback.
                     "line" is the line where the FUNCTION is defined (V8
                     reports no allocating line)
  --top N            entries shown (default 10); the rest are summed as "other"
  --at WHEN          the moment to show (default end)
  --compare-to WHEN  also show the change since that moment
  --include GLOB     keep only samples whose most recent frame's file matches
                     (repeatable; * matches / too; tried on the recorded path
                     and on the path relative to the traced process's cwd)
  --exclude GLOB     drop samples whose most recent frame's file matches
  --all-frames       --include/--exclude look at every frame
  --hide GLOB        drop frames whose file matches from every stack before
                     grouping (pprof's -hide; repeatable, after the filters):
                     --hide 'node:*' charges each allocation to the nearest
                     frame outside Node's own code. A sample left with no
                     frame is dropped
  --cumulative       count each sample for every function on its stack (once)
  --separate         one report per FILE, headed by its pid, thread and
                     command; with --json: {"reports": [report per FILE],
                     "errors": [{"file", "error"}]}. A FILE that cannot be
                     reported (e.g. it lacks the --at marker) gets an error
                     line and the others are still shown (exit code 1)
  --json             one JSON object on stdout
${SOURCE_MAP_HELP}
  -h, --help         this help

WHEN: end, start, peak (most live memory), a marker name, or a time since the
start such as 12.5s or 1500ms.

${EXIT_CODES_HELP}`;

/** Options of printReport(); groupBy and top are checked at run time (they may come from a command line). */
export type ReportInput = Partial<Omit<ReportOptions, 'groupBy' | 'top'>> & {
  groupBy?: string;
  top?: number | string;
  /** One report per file instead of one merged report. */
  separate?: boolean;
  /** Where frames become original positions; omitted: as recorded. */
  locator?: SourceMapLocator;
};

export function checkGroupBy(value: string): KeyType {
  if (!(KEY_TYPES as readonly string[]).includes(value)) {
    throw new UsageError(`--group-by must be one of ${KEY_TYPES.join(', ')}, not "${value}"`);
  }
  return value as KeyType;
}


export function reportOptions(input: ReportInput): ReportOptions {
  const o: ReportOptions = { ...DEFAULT_REPORT_OPTIONS, include: [], exclude: [], hide: [] };
  if (input.groupBy !== undefined) o.groupBy = checkGroupBy(input.groupBy);
  if (input.top !== undefined) o.top = checkTop(input.top);
  if (input.at !== undefined) o.at = input.at;
  if (input.compareTo !== undefined) o.compareTo = input.compareTo;
  if (input.include) o.include = [...input.include];
  if (input.exclude) o.exclude = [...input.exclude];
  if (input.hide) o.hide = [...input.hide];
  if (input.allFrames !== undefined) o.allFrames = input.allFrames;
  if (input.cumulative !== undefined) o.cumulative = input.cumulative;
  if (input.json !== undefined) o.json = input.json;
  if (o.cumulative && o.groupBy === 'traceback') throw new UsageError('--cumulative cannot be used with --group-by traceback');
  return o;
}

/**
 * Prints a report of `files` to stdout (warnings to stderr, prefixed
 * `alloctrace: `). Returns the exit code; never throws for bad input.
 */
export function printReport(files: string[], input: ReportInput = {}): number {
  try {
    if (files.length === 0) throw new UsageError('report: no trace FILE given (see alloctrace report --help)');
    const options = reportOptions(input);
    if (input.separate) return printSeparate(files, options, input.locator);
    const progress = progressLine();
    let report;
    try {
      report = buildReport(files, options, { ...openOptions(input.locator), onProgress: progress.onProgress });
    } finally {
      progress.done();
    }
    for (const w of [...report.warnings, ...(input.locator?.warnings ?? [])]) say(w);
    process.stdout.write(options.json ? jsonText(REPORTERS.report, report) : REPORTERS.report.text(report));
    return EXIT_OK;
  } catch (err) {
    return reportFailure(err);
  }
}

/**
 * One report per file. A file that fails does not stop the others: exit 1
 * if some failed, or the usual code of the error if every file did (so a
 * lone file behaves as without --separate).
 */
function printSeparate(files: string[], options: ReportOptions, locator: SourceMapLocator | undefined): number {
  const results = buildSeparateReports(files, options, openOptions(locator));
  for (const w of locator?.warnings ?? []) say(w);
  const failed = results.filter((r) => !('report' in r));
  for (const r of results) {
    if ('report' in r) for (const w of r.report.warnings) say(w);
    else say(errorMessage(r.error));
  }
  process.stdout.write(options.json ? formatSeparateJson(results, errorMessage) : formatSeparateText(results, errorMessage));
  if (failed.length === 0) return EXIT_OK;
  if (failed.length === results.length && 'error' in failed[0]) return exitCodeOf(failed[0].error);
  return EXIT_FAILURE;
}

export function reportCommand(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'group-by': { type: 'string' },
        top: { type: 'string' },
        at: { type: 'string' },
        'compare-to': { type: 'string' },
        include: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        hide: { type: 'string', multiple: true },
        'all-frames': { type: 'boolean' },
        cumulative: { type: 'boolean' },
        separate: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...SOURCE_MAP_OPTIONS,
      },
    });
  } catch (err) {
    return reportFailure(usageFromParseArgs(err, 'report') ?? err);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${REPORT_HELP}\n`);
    return EXIT_OK;
  }
  return printReport(parsed.positionals, {
    groupBy: v['group-by'],
    top: v.top,
    at: v.at,
    compareTo: v['compare-to'],
    include: v.include,
    exclude: v.exclude,
    hide: v.hide,
    allFrames: v['all-frames'],
    cumulative: v.cumulative,
    json: v.json,
    separate: v.separate,
    locator: locatorFrom(v),
  });
}
