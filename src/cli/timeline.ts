// `alloctrace timeline`: memory over time.
import { parseArgs } from 'node:util';
import { buildTimelines } from '../analysis/timeline';
import { formatCsvTimeline } from '../views/timeline';
import { renderEach, REPORTERS } from '../views/reporters';
import { EXIT_CODES_HELP, EXIT_OK, reportFailure, say, UsageError } from './errors';
import { parseCommandArgs } from './args';

export const TIMELINE_HELP = `Usage: alloctrace timeline FILE... [--csv | --json]

Shows the traced process's memory over time: rss, V8 heap total and used,
external and array buffers (from the Memory record of every poll), and the
traced live bytes (the sampled allocations still live), as sparklines on one
scale, with the markers placed under them. The rotated files of one session
are read as one timeline; several processes get one chart each.

Options:
  --csv       one row per poll: timeNs,rss,heapTotal,heapUsed,external,
              arrayBuffers,traced,marker (bytes; markers on the row of the
              first poll at or after them)
  --json      one JSON object on stdout (several processes:
              {"schema", "traces": [...]})
  -h, --help  this help

${EXIT_CODES_HELP}`;

export function timelineCommand(argv: string[]): number {
  try {
    const parsed = parseCommandArgs('timeline', () => parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { csv: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
    const v = parsed.values;
    if (v.help) {
      process.stdout.write(`${TIMELINE_HELP}\n`);
      return EXIT_OK;
    }
    if (v.csv && v.json) throw new UsageError('timeline: --csv and --json cannot be used together');
    const files = parsed.positionals;
    if (files.length === 0) throw new UsageError('timeline: no trace FILE given (see alloctrace timeline --help)');
    const timelines = buildTimelines(files);
    for (const t of timelines) for (const w of t.warnings) say(w);
    if (v.csv) {
      if (timelines.length > 1) throw new UsageError('timeline --csv: these files are several processes; give one at a time');
      process.stdout.write(formatCsvTimeline(timelines[0]));
    } else {
      process.stdout.write(renderEach(REPORTERS.timeline, timelines, v.json ?? false));
    }
    return EXIT_OK;
  } catch (err) {
    return reportFailure(err);
  }
}
