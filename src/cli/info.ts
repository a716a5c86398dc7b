// `alloctrace info`: header, duration, counts, markers and integrity of a trace.
import { parseArgs } from 'node:util';
import { scanInfo } from '../replay/scan';
import { progressLine } from './progress';
import { groupTimelines } from '../replay/timelines';
import { jsonText, REPORTERS } from '../views/reporters';
import { EXIT_CODES_HELP, EXIT_OK, reportFailure, say, UsageError } from './errors';
import { parseCommandArgs } from './args';

export const INFO_HELP = `Usage: alloctrace info FILE... [--json]

Describes a trace: the traced process, sampling settings, duration, sampled
allocations and frees, markers, and whether the file is whole (a missing
trailer means the process died or was killed before tracing stopped; damaged
records are listed). Several FILEs must be the rotated files of one session
(FILE, FILE.1.atrace, ...): they are read as one timeline.
FILE may be a pipe, a FIFO or <(command); - reads standard input.

Options:
  --json      one JSON object on stdout
  -h, --help  this help

${EXIT_CODES_HELP}`;

export function infoCommand(argv: string[]): number {
  try {
    const parsed = parseCommandArgs('info', () => parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
    if (parsed.values.help) {
      process.stdout.write(`${INFO_HELP}\n`);
      return EXIT_OK;
    }
    const files = parsed.positionals;
    if (files.length === 0) throw new UsageError('info: expected a trace FILE (see alloctrace info --help)');
    const timelines = groupTimelines(files);
    if (timelines.length > 1) {
      throw new UsageError(`info: these ${files.length} files are not the rotated files of one session; run info on each`);
    }
    // Counting needs no replay (see replay/scan.ts).
    const progress = progressLine();
    let info;
    try {
      info = scanInfo(timelines[0], { onProgress: progress.onProgress });
    } finally {
      progress.done();
    }
    for (const w of info.warnings) say(w);
    process.stdout.write(parsed.values.json ? jsonText(REPORTERS.info, info) : REPORTERS.info.text(info));
    return EXIT_OK;
  } catch (err) {
    return reportFailure(err);
  }
}
