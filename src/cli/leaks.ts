// `alloctrace leaks`: sites ranked by sustained growth.
import { parseArgs } from 'node:util';
import { buildLeaks, DEFAULT_LEAKS_OPTIONS, LeaksOptions } from '../analysis/leaks';
import { renderEach, REPORTERS } from '../views/reporters';
import { EXIT_CODES_HELP, EXIT_OK, reportFailure, say, UsageError } from './errors';
import { checkPoints, checkTop, parseCommandArgs } from './args';
import { checkGroupBy } from './report';
import { locatorFrom, openOptions, SOURCE_MAP_HELP, SOURCE_MAP_OPTIONS } from './source-maps';

export const LEAKS_HELP = `Usage: alloctrace leaks FILE... [options]

Ranks allocation sites by sustained growth of their live memory across the
whole trace: each site's live size at every poll, its trend (least-squares
slope), how well a straight line fits (r²), in how many windows between polls
it grew, and its final size. A site that grows with traffic ranks above a big
one loaded once at start-up and above a spike that went away. Each site gets
a kind: growing (a leak suspect), load-once, spike, steady or shrinking.
Several FILEs from different processes are ranked one by one; the rotated
files of one session are read as one timeline.

Options:
  --group-by KEY   lineno (default), filename, function or traceback
  --top N          sites shown (default 10)
  --points N       at most N points per series, spread over the polls
                   (default 200)
  --include GLOB   keep only samples whose most recent frame's file matches
  --exclude GLOB   drop samples whose most recent frame's file matches
  --all-frames     --include/--exclude look at every frame
  --hide GLOB      drop matching frames from every stack before grouping
  --json           one JSON object on stdout (several processes:
                   {"schema", "traces": [...]})
${SOURCE_MAP_HELP}
  -h, --help       this help

${EXIT_CODES_HELP}`;

export function leaksCommand(argv: string[]): number {
  try {
    const parsed = parseCommandArgs('leaks', () => parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        'group-by': { type: 'string' }, top: { type: 'string' }, points: { type: 'string' },
        include: { type: 'string', multiple: true }, exclude: { type: 'string', multiple: true },
        hide: { type: 'string', multiple: true }, 'all-frames': { type: 'boolean' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...SOURCE_MAP_OPTIONS,
      },
    }));
    const v = parsed.values;
    if (v.help) {
      process.stdout.write(`${LEAKS_HELP}\n`);
      return EXIT_OK;
    }
    const files = parsed.positionals;
    if (files.length === 0) throw new UsageError('leaks: no trace FILE given (see alloctrace leaks --help)');
    const options: LeaksOptions = {
      ...DEFAULT_LEAKS_OPTIONS,
      groupBy: v['group-by'] === undefined ? DEFAULT_LEAKS_OPTIONS.groupBy : checkGroupBy(v['group-by']),
      top: checkTop(v.top, DEFAULT_LEAKS_OPTIONS.top),
      points: checkPoints(v.points, DEFAULT_LEAKS_OPTIONS.points),
      include: v.include ?? [], exclude: v.exclude ?? [], hide: v.hide ?? [], allFrames: v['all-frames'] ?? false,
      json: v.json ?? false,
    };
    const locator = locatorFrom(v);
    const results = buildLeaks(files, options, openOptions(locator));
    for (const w of [...results.flatMap((r) => r.warnings), ...(locator?.warnings ?? [])]) say(w);
    process.stdout.write(renderEach(REPORTERS.leaks, results, options.json));
    return EXIT_OK;
  } catch (err) {
    return reportFailure(err);
  }
}
