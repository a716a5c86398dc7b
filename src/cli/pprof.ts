// `alloctrace pprof`: the live set (and allocations) as a pprof profile or a
// DevTools heap profile.
import { parseArgs } from 'node:util';
import { buildHeapProfile } from '../export/heapprofile';
import { ProfileOptions, profileData } from '../export/profile-data';
import { Replay } from '../replay/replay';
import { parseCommandArgs } from './args';
import { EXIT_CODES_HELP, EXIT_OK, reportFailure, say, UsageError } from './errors';
import { writeOutput } from './output';
import { locatorFrom, openOptions, SOURCE_MAP_HELP, SOURCE_MAP_OPTIONS } from './source-maps';

export const PPROF_HELP = `Usage: alloctrace pprof FILE... -o OUT [options]

Writes the live set at a moment as a profile other tools read:
  pprof (default): gzipped profile.proto for go tool pprof, Grafana Pyroscope
    and other pprof readers, with Go's heap sample types: inuse_space (the
    default), inuse_objects, and alloc_space / alloc_objects (every sampled
    allocation recorded up to the moment, freed or not)
  heapprofile: the JSON node --heap-prof writes; Chrome DevTools' Memory
    panel (Load profile) and VS Code open it as a flame graph
Line numbers are the functions' definition lines (V8 reports no allocating
line). Several FILEs (processes) are merged into one profile.

Options:
  -o, --output OUT   the file to write (- for standard output); an existing
                     file is not overwritten
  --force            replace OUT if it exists
  --format F         pprof (default) or heapprofile
  --at WHEN          the moment (default end): end, start, peak, a marker
                     name, or a time such as 12.5s
  --compare-to WHEN  only what was allocated after WHEN (inuse: and still live
                     at --at): what grew. To diff two whole profiles, use
                     go tool pprof -diff_base=old.pb.gz new.pb.gz
  --include GLOB, --exclude GLOB, --all-frames, --hide GLOB
                     as for report
${SOURCE_MAP_HELP}
  -h, --help         this help

${EXIT_CODES_HELP}`;

export function pprofCommand(argv: string[]): number {
  try {
    const parsed = parseCommandArgs('pprof', () => parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        output: { type: 'string', short: 'o' }, force: { type: 'boolean' }, format: { type: 'string' },
        at: { type: 'string' }, 'compare-to': { type: 'string' },
        include: { type: 'string', multiple: true }, exclude: { type: 'string', multiple: true },
        'all-frames': { type: 'boolean' }, hide: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' }, ...SOURCE_MAP_OPTIONS,
      },
    }));
    const v = parsed.values;
    if (v.help) {
      process.stdout.write(`${PPROF_HELP}\n`);
      return EXIT_OK;
    }
    const files = parsed.positionals;
    if (files.length === 0) throw new UsageError('pprof: no trace FILE given (see alloctrace pprof --help)');
    if (v.output === undefined) throw new UsageError('pprof: -o OUT is required (- writes to standard output)');
    const format = v.format ?? 'pprof';
    if (format !== 'pprof' && format !== 'heapprofile') throw new UsageError(`--format must be pprof or heapprofile, not "${format}"`);
    if (v.output === '-' && format === 'pprof' && process.stdout.isTTY) throw new UsageError('pprof: not writing a binary profile to a terminal (-o FILE)');
    const options: ProfileOptions = {
      at: v.at ?? 'end', compareTo: v['compare-to'] ?? null, include: v.include ?? [], exclude: v.exclude ?? [],
      allFrames: v['all-frames'] ?? false, hide: v.hide ?? [],
    };
    const locator = locatorFrom(v);
    const data = profileData(Replay.openEach(files, openOptions(locator)), options);
    for (const w of [...data.warnings, ...(locator?.warnings ?? [])]) say(w);
    // pprof-format loads only when a pprof file is written.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const pprof = (): typeof import('../export/pprof') => require('../export/pprof') as typeof import('../export/pprof');
    const bytes = format === 'pprof' ? pprof().encodePprof(data) : `${JSON.stringify(buildHeapProfile(data))}\n`;
    writeOutput(v.output, bytes, { force: v.force ?? false, what: format === 'pprof' ? 'profile' : 'heap profile' });
    if (v.output !== '-') say(`wrote ${v.output} (${format}, live at ${data.at.label}${data.compareTo ? `, allocated since ${data.compareTo.label}` : ''})`);
    return EXIT_OK;
  } catch (err) {
    return reportFailure(err);
  }
}
