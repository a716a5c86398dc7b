// `alloctrace census`: the object censuses written into a trace, or the
// growth between two of them.
import { parseArgs } from 'node:util';
import { buildCensusReports, CensusChoiceError } from '../analysis/census';
import { renderEach, REPORTERS } from '../views/reporters';
import { EXIT_CODES_HELP, EXIT_OK, reportFailure, say, UsageError, usageFromParseArgs } from './errors';
import { checkTop } from './args';

export const CENSUS_HELP = `Usage: alloctrace census FILE... [--compare-to LABEL|first|previous] [--top N] [--json]

Lists the object censuses in the trace: for each, when and why it was taken
and the kinds of objects holding the most shallow bytes (V8's node type and,
for objects, the constructor's name). A census counts every live object of
the heap after a full GC (not a sample); it is written into the trace by
census() in the app, GET /census or /growth on the admin endpoint, and the
marker signal with ALLOCTRACE_CENSUS_ON_SIGNAL=1. A census taken when V8's
heap snapshot would not have fitted (or asked for with mode counts) counts
JavaScript objects only, without sizes ("counts only"); growth against it
compares those by count.

With --compare-to, shows the growth from that census to the last one (like
objgraph's show_growth): the kinds that grew, most by count first.

Options:
  --compare-to C  a census's label (the latest one of that label before the
                  last census), first, or previous (the one before the last)
  --top N         kinds shown per census or in the growth (default 15)
  --json          one JSON object on stdout (several processes:
                  {"schema", "traces": [...]})
  -h, --help      this help

${EXIT_CODES_HELP}`;

export function censusCommand(argv: string[]): number {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv, allowPositionals: true, strict: true,
        options: {
          'compare-to': { type: 'string' },
          top: { type: 'string' },
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (err) {
      throw usageFromParseArgs(err, 'census') ?? err;
    }
    const v = parsed.values;
    if (v.help) {
      process.stdout.write(`${CENSUS_HELP}\n`);
      return EXIT_OK;
    }
    const top = checkTop(v.top, 15);
    const files = parsed.positionals;
    if (files.length === 0) throw new UsageError('census: no trace FILE given (see alloctrace census --help)');
    let reports;
    try {
      reports = buildCensusReports(files, { compareTo: v['compare-to'] ?? null, top });
    } catch (err) {
      if (err instanceof CensusChoiceError) throw new UsageError(`census: ${err.message}`);
      throw err;
    }
    for (const r of reports) for (const w of r.warnings) say(w);
    process.stdout.write(renderEach(REPORTERS.census, reports, v.json ?? false));
    return EXIT_OK;
  } catch (err) {
    return reportFailure(err);
  }
}
