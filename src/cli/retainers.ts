// `alloctrace retainers`: who holds a type's instances in a saved heap snapshot.
import { parseArgs } from 'node:util';
import { largestObjects } from '../heap/largest';
import { retainersOf, siteRetainersOf } from '../heap/retainers';
import { jsonText, REPORTERS } from '../views/reporters';
import { checkTop, parseCommandArgs } from './args';
import { EXIT_CODES_HELP, EXIT_OK, reportFailure, UsageError } from './errors';
import { heapGraphOf, traceOf } from './heap-input';

export const RETAINERS_HELP = `Usage: alloctrace retainers FILE.heapsnapshot [--type NAME | --site SITE] [--compare-to OLD.heapsnapshot] [--top N] [--json]
       alloctrace retainers TRACE.atrace [--type NAME | --site SITE] [--json]

Who holds the instances of a type in a heap snapshot (written by
v8.writeHeapSnapshot(), node --heapsnapshot-near-heap-limit or DevTools):
each instance's shortest retaining path from the GC roots over strong
references, written as the program names things (a module variable, then
.property, [i] for an index, "value" for a Map's or Set's entry), with the
paths that read the same counted together. Without --type: the program's
own type that grew most in number since --compare-to's snapshot, or without
one, the type whose instances hold the most bytes.

Given a trace instead: the retainers answers it keeps (retainers() or GET
/retainers in the app while tracing to a file), oldest first; --type and
--site keep the ones asked for that type or site.

Options:
  --type NAME  the constructor's name (e.g. Session)
  --site SITE  instead of a type, the objects allocated at SITE: a function's
               name, a file (app.js, src/registry.ts) or FILE:LINE (the
               function's definition line); needs a snapshot saved with
               allocation tracking on (DevTools' allocation instrumentation)
  --compare-to OLD.heapsnapshot
               an earlier snapshot: the default type is the one that grew most
  --top N      paths shown (default 10)
  --json       one JSON object on stdout
  -h, --help   this help

${EXIT_CODES_HELP}`;

export function retainersCommand(argv: string[]): number {
  try {
    const parsed = parseCommandArgs('retainers', () => parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        type: { type: 'string' }, site: { type: 'string' }, 'compare-to': { type: 'string' }, top: { type: 'string' }, json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    const v = parsed.values;
    if (v.help) {
      process.stdout.write(`${RETAINERS_HELP}\n`);
      return EXIT_OK;
    }
    if (parsed.positionals.length !== 1) throw new UsageError('retainers: give one heap snapshot FILE (see alloctrace retainers --help)');
    const top = checkTop(v.top);
    const replay = traceOf(parsed.positionals[0]);
    if (replay !== null) {
      if (v['compare-to'] !== undefined) throw new UsageError('retainers: --compare-to compares heap snapshots; FILE is a trace');
      const recorded = replay.retainers.filter((r) => (v.type === undefined || r.type === v.type) && (v.site === undefined || r.site === v.site));
      const input = { file: parsed.positionals[0], recorded };
      process.stdout.write(v.json ? jsonText(REPORTERS.recordedRetainers, input) : REPORTERS.recordedRetainers.text(input));
      return EXIT_OK;
    }
    if (v.site !== undefined && (v.type !== undefined || v['compare-to'] !== undefined)) {
      throw new UsageError('retainers: --site picks the objects itself: give it without --type or --compare-to');
    }
    const file = parsed.positionals[0];
    const graph = heapGraphOf(file);
    let result;
    try {
      // --compare-to OLD.heapsnapshot: the default type is the one that grew most since it.
      const since = v['compare-to'] === undefined ? null
        : { timeNs: 0, label: v['compare-to'], gcForced: false, pauseNs: 0, entries: heapGraphOf(v['compare-to']).census() };
      result = v.site !== undefined ? siteRetainersOf(graph, v.site, top) : retainersOf(graph, v.type ?? null, top, since);
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(`retainers: ${err.message}`);
      throw err;
    }
    const input = { file, result };
    process.stdout.write(v.json ? jsonText(REPORTERS.retainers, input) : REPORTERS.retainers.text(input));
    return EXIT_OK;
  } catch (err) {
    return reportFailure(err);
  }
}

export const LARGEST_HELP = `Usage: alloctrace largest FILE.heapsnapshot [--top N] [--values] [--json]

The objects of a heap snapshot holding the most memory by retained size
(what would be freed with them, from the dominator tree), each with its
shortest retaining path and a preview of its shape: property names and the
types of their values. Values are left out unless --values is given, since a
heap holds tokens, passwords and personal data.

Options:
  --top N     objects shown (default 10)
  --values    show string and number values in the previews (up to 40 characters)
  --json      one JSON object on stdout
  -h, --help  this help

${EXIT_CODES_HELP}`;

export function largestCommand(argv: string[]): number {
  try {
    const parsed = parseCommandArgs('largest', () => parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { top: { type: 'string' }, values: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
    const v = parsed.values;
    if (v.help) {
      process.stdout.write(`${LARGEST_HELP}\n`);
      return EXIT_OK;
    }
    if (parsed.positionals.length !== 1) throw new UsageError('largest: give one heap snapshot FILE (see alloctrace largest --help)');
    const top = checkTop(v.top);
    const file = parsed.positionals[0];
    const values = v.values ?? false;
    const input = { file, values, objects: largestObjects(heapGraphOf(file), top, values) };
    process.stdout.write(v.json ? jsonText(REPORTERS.largest, input) : REPORTERS.largest.text(input));
    return EXIT_OK;
  } catch (err) {
    return reportFailure(err);
  }
}
