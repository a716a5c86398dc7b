// The `alloctrace` command line: dispatches to a subcommand.
import { censusCommand, CENSUS_HELP } from './census';
import { EXIT_CODES_HELP, EXIT_OK, EXIT_USAGE, say } from './errors';
import { htmlCommand, HTML_HELP } from './html';
import { infoCommand, INFO_HELP } from './info';
import { leaksCommand, LEAKS_HELP } from './leaks';
import { pprofCommand, PPROF_HELP } from './pprof';
import { REPORT_HELP, reportCommand } from './report';
import { largestCommand, LARGEST_HELP, retainersCommand, RETAINERS_HELP } from './retainers';
import { runCommand } from './run';
import { suspectsCommand, SUSPECTS_HELP } from './suspects';
import { timelineCommand, TIMELINE_HELP } from './timeline';

export const MAIN_HELP = `Usage: alloctrace <command> [options]

tracemalloc-grade allocation tracing for Node.js.

Commands:
  run [options] -- <command...>   run a command with tracing, then report
  report FILE... [options]        top allocation sites live at a moment
  info FILE [--json]              what a trace holds and whether it is whole
  leaks FILE... [options]         sites ranked by sustained growth (leak suspects)
  timeline FILE [--csv|--json]    rss, heap, external, traced memory over time
  pprof FILE... -o OUT            the live set as a pprof or DevTools heap profile
  html FILE... -o report.html     a self-contained page: timeline, diff, flame graph
  census FILE [--compare-to C]    object censuses in the trace (or heap snapshots), growth
  retainers FILE.heapsnapshot     who holds a type's instances: retaining paths
  largest FILE.heapsnapshot       the objects holding the most, with path and preview
  suspects FILE.heapsnapshot      allocating code joined with what holds its objects

alloctrace <command> --help shows a command's options.

${EXIT_CODES_HELP}
(run exits with the command's own exit code.)`;

function version(): string {
  // dist/cli/main.js → package.json two levels up.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pkg = require('../../package.json') as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      if (command === 'help' && rest[0] === 'report') process.stdout.write(`${REPORT_HELP}\n`);
      else if (command === 'help' && rest[0] === 'info') process.stdout.write(`${INFO_HELP}\n`);
      else if (command === 'help' && rest[0] === 'leaks') process.stdout.write(`${LEAKS_HELP}\n`);
      else if (command === 'help' && rest[0] === 'suspects') process.stdout.write(`${SUSPECTS_HELP}\n`);
      else if (command === 'help' && rest[0] === 'largest') process.stdout.write(`${LARGEST_HELP}\n`);
      else if (command === 'help' && rest[0] === 'retainers') process.stdout.write(`${RETAINERS_HELP}\n`);
      else if (command === 'help' && rest[0] === 'html') process.stdout.write(`${HTML_HELP}\n`);
      else if (command === 'help' && rest[0] === 'pprof') process.stdout.write(`${PPROF_HELP}\n`);
      else if (command === 'help' && rest[0] === 'timeline') process.stdout.write(`${TIMELINE_HELP}\n`);
      else if (command === 'help' && rest[0] === 'census') process.stdout.write(`${CENSUS_HELP}\n`);
      else if (command === 'help' && rest[0] === 'run') return runCommand(['--help']);
      else process.stdout.write(`${MAIN_HELP}\n`);
      return command === undefined ? EXIT_USAGE : EXIT_OK;
    case '-v':
    case '--version':
      process.stdout.write(`${version()}\n`);
      return EXIT_OK;
    case 'report':
      return reportCommand(rest);
    case 'info':
      return infoCommand(rest);
    case 'leaks':
      return leaksCommand(rest);
    case 'timeline':
      return timelineCommand(rest);
    case 'pprof':
      return pprofCommand(rest);
    case 'html':
      return htmlCommand(rest);
    case 'retainers':
      return retainersCommand(rest);
    case 'largest':
      return largestCommand(rest);
    case 'suspects':
      return suspectsCommand(rest);
    case 'census':
      return censusCommand(rest);
    case 'run':
      return runCommand(rest);
    default:
      say(command.startsWith('-')
        ? `unknown option ${command} (see alloctrace --help)`
        : `unknown command "${command}" (commands: run, report, info, leaks, timeline, pprof, html, census, retainers, largest, suspects; see alloctrace --help)`);
      return EXIT_USAGE;
  }
}
