// `alloctrace html`: the self-contained HTML report.
import { parseArgs } from 'node:util';
import { DEFAULT_HTML_OPTIONS, htmlData } from '../analysis/html-data';
import { formatHtmlReport } from '../views/html';
import { checkPoints, parseCommandArgs } from './args';
import { EXIT_CODES_HELP, EXIT_OK, reportFailure, say, UsageError } from './errors';
import { writeOutput } from './output';
import { locatorFrom, openOptions, SOURCE_MAP_HELP, SOURCE_MAP_OPTIONS } from './source-maps';

export const HTML_HELP = `Usage: alloctrace html FILE... -o report.html [options]

Writes one self-contained HTML page (styles, script and data inline: it
opens offline) with the memory timeline and its markers; two moments A and B
to pick on it; what is live at B and what grew from A to B, by line,
function, file or traceback, in sortable tables; a flame graph (icicle) of
live memory or of growth; the leaks ranking; and the source around the
hottest functions. Several FILEs (processes) can be switched between.

Options:
  -o, --output FILE  the page to write (- for standard output); an existing
                     file is not overwritten
  --force            replace FILE if it exists
  --points N         moments to choose from, spread over the polls (default ${DEFAULT_HTML_OPTIONS.points})
  --no-source        leave the source code out of the page
${SOURCE_MAP_HELP}
  -h, --help         this help

${EXIT_CODES_HELP}`;

export function htmlCommand(argv: string[]): number {
  try {
    const parsed = parseCommandArgs('html', () => parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        output: { type: 'string', short: 'o' }, force: { type: 'boolean' }, points: { type: 'string' },
        'no-source': { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...SOURCE_MAP_OPTIONS,
      },
    }));
    const v = parsed.values;
    if (v.help) {
      process.stdout.write(`${HTML_HELP}\n`);
      return EXIT_OK;
    }
    const files = parsed.positionals;
    if (files.length === 0) throw new UsageError('html: no trace FILE given (see alloctrace html --help)');
    if (v.output === undefined) throw new UsageError('html: -o FILE is required (- writes to standard output)');
    const points = checkPoints(v.points, DEFAULT_HTML_OPTIONS.points);
    const locator = locatorFrom(v);
    const data = htmlData(files, { ...DEFAULT_HTML_OPTIONS, points, source: !v['no-source'] }, openOptions(locator));
    for (const w of [...data.warnings, ...(locator?.warnings ?? [])]) say(w);
    const page = formatHtmlReport(data);
    writeOutput(v.output, page, { force: v.force ?? false, what: 'HTML report' });
    if (v.output !== '-') say(`wrote ${v.output} (${(Buffer.byteLength(page) / 1024).toFixed(0)} KiB)`);
    return EXIT_OK;
  } catch (err) {
    return reportFailure(err);
  }
}
