// `alloctrace suspects`: allocating code and retaining paths joined, from a
// heap snapshot saved with allocation tracking on.
import { parseArgs } from 'node:util';
import { suspectsOf } from '../heap/suspects';
import { jsonText, REPORTERS } from '../views/reporters';
import { checkTop, parseCommandArgs } from './args';
import { heapGraphOf, traceOf } from './heap-input';
import { EXIT_CODES_HELP, EXIT_OK, reportFailure, UsageError } from './errors';
import { hasAllocationTraces } from '../heap/allocation-sites';

export const SUSPECTS_HELP = `Usage: alloctrace suspects FILE.heapsnapshot [--site SITE] [--top N] [--json]
       alloctrace suspects TRACE.atrace [--json]

For a heap snapshot taken while allocations were tracked (DevTools'
"Allocation instrumentation on timeline", or the inspector's
HeapProfiler.startTrackingHeapObjects): the objects allocated then and still
live, grouped by the function that allocated them and the path that holds
them, most bytes first. In a running process use suspects() in the API or
POST /suspects?seconds=N on the admin endpoint; given the trace it wrote to,
alloctrace suspects lists every window's answer, oldest first.

Options:
  --site SITE only the objects allocated at SITE: a function's name, a file
              (app.js) or FILE:LINE (the function's definition line)
  --top N     groups shown (default 10)
  --json      one JSON object on stdout
  -h, --help  this help

${EXIT_CODES_HELP}`;

export function suspectsCommand(argv: string[]): number {
  try {
    const parsed = parseCommandArgs('suspects', () => parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { site: { type: 'string' }, top: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
    const v = parsed.values;
    if (v.help) {
      process.stdout.write(`${SUSPECTS_HELP}\n`);
      return EXIT_OK;
    }
    if (parsed.positionals.length !== 1) throw new UsageError('suspects: give one heap snapshot FILE (see alloctrace suspects --help)');
    const top = checkTop(v.top);
    const file = parsed.positionals[0];
    const replay = traceOf(file);
    if (replay !== null) {
      const input = { file, recorded: replay.suspects.filter((s) => v.site === undefined || s.site === v.site) };
      process.stdout.write(v.json ? jsonText(REPORTERS.recordedSuspects, input) : REPORTERS.recordedSuspects.text(input));
      return EXIT_OK;
    }
    const graph = heapGraphOf(file);
    if (!hasAllocationTraces(graph)) throw new UsageError(`${file}: no allocation traces in this heap snapshot (take it with allocation tracking on)`);
    const r = suspectsOf(graph, top, undefined, v.site);
    const input = { source: file, seconds: null, site: v.site ?? null, snapshotMs: null, precise: null, note: null, ...r };
    process.stdout.write(v.json ? jsonText(REPORTERS.suspects, input) : REPORTERS.suspects.text(input));
    return EXIT_OK;
  } catch (err) {
    return reportFailure(err);
  }
}
