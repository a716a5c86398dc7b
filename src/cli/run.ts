// `alloctrace run [options] -- <command...>`: runs a command with the preload
// in NODE_OPTIONS (so node processes it starts are traced too), waits for it,
// then prints the top of the report of the process that allocated the most
// and where the traces are: one file per process and thread of the command.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAGIC } from '../format/proto';
import { DEFAULTS, OptionError, parseBytes, parseWhole, withDefaultName } from '../options';
import { formatSize } from '../views/units';
import { EXIT_USAGE, say, UsageError } from './errors';
import { checkTop } from './args';
import { checkGroupBy, reportOptions } from './report';
import { formatBusiestReports, RunSummary, RunTrace, summarizeRun } from './run-summary';
import { findRunTraces } from './run-traces';

export const RUN_HELP = `Usage: alloctrace run [options] -- <command...>

Runs <command> with allocation tracing preloaded into every Node.js process it
starts (\`run -- npm start\` traces npm and the app it starts), then prints the
top of the report of the process that allocated the most: at its peak, when
that held more than the end, and at its end. Every trace file is listed.

Options:
  -o, --output FILE    trace file (default alloctrace-<pid>.atrace; a directory:
                       that name in it); %p pid, %t thread id, %h host, %d
                       start time. Without %p, other processes of the command
                       (children, cluster workers) write FILE.<pid>.atrace
                       beside it; without %t, Worker threads add .t<id>. All
                       of them are listed at the end. An existing FILE is
                       never overwritten: a trace there makes this one
                       FILE.1.atrace (the next free number), anything else is
                       refused
  --force              replace FILE if it is an existing trace
  --interval BYTES     average bytes between samples (default 512k)
  --depth N            frames kept per sample (default 64)
  --poll-ms MS         milliseconds between polls (default 1000)
  --no-precise         let V8 inline (as in production): faster, but the
                       allocations of inlined functions are charged to their
                       callers. By default run is precise: inlining off, every
                       allocation charged to the exact function (costs ~10 %
                       CPU on a hot service); --precise says so explicitly
  --top N              lines in the printed report (default 10)
  --group-by KEY       lineno (default), filename, function or traceback
  -h, --help           this help

Exit code: the command's own (128 + signal number if a signal ended it);
2 for a usage error; 127 if the command could not be started.`;

interface RunOptions {
  output: string;
  force: boolean;
  interval: number;
  depth: number;
  pollMs: number;
  precise: boolean;
  top: number;
  groupBy: string;
  command: string[];
}

const VALUE_OPTIONS = new Set(['-o', '--output', '--interval', '--depth', '--poll-ms', '--top', '--group-by']);

function parseRunArgs(argv: string[]): RunOptions | 'help' {
  const opts: RunOptions = {
    output: defaultOutput(),
    force: false,
    interval: DEFAULTS.interval,
    depth: DEFAULTS.depth,
    pollMs: DEFAULTS.pollMs,
    // A diagnosis session: exact functions are worth the CPU here.
    precise: true,
    top: 10,
    groupBy: 'lineno',
    command: [],
  };
  let i = 0;
  // Our options end at `--` or at the first word that is not one of ours,
  // so the command's own options are never read as ours.
  while (i < argv.length) {
    const arg = argv[i];
    if (arg === '--') { i++; break; }
    if (!arg.startsWith('-')) break;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (VALUE_OPTIONS.has(name) && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
    }
    switch (name) {
      case '-h': case '--help': return 'help';
      case '--precise': opts.precise = true; break;
      case '--no-precise': opts.precise = false; break;
      case '--force': opts.force = true; break;
      case '-o': case '--output': opts.output = value as string; break;
      case '--interval': opts.interval = parseBytes(value as string, '--interval'); break;
      case '--depth': opts.depth = parseWhole(value as string, 'depth', '--depth'); break;
      case '--poll-ms': opts.pollMs = parseWhole(value as string, 'pollMs', '--poll-ms'); break;
      case '--top': opts.top = checkTop(value as string); break;
      case '--group-by': opts.groupBy = checkGroupBy(value as string); break;
      default: throw new UsageError(`unknown option ${name} (see alloctrace run --help)`);
    }
    i++;
  }
  opts.command = argv.slice(i);
  if (opts.command.length === 0) throw new UsageError('no command to run: alloctrace run [options] -- <command...>');
  return opts;
}

function defaultOutput(): string {
  return `alloctrace-${process.pid}.atrace`;
}

/** What is at `file` now: nothing, an alloctrace trace, or something else (described). */
function existing(file: string): 'none' | 'trace' | string {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return 'none';
  }
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (!stat.isFile()) return 'not a regular file';
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const head = Buffer.alloc(MAGIC.length);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return n === MAGIC.length && MAGIC.equals(head) ? 'trace' : 'not an alloctrace trace';
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Makes sure the command's first process can claim `file`: never overwrites
 * anything but a trace, and a trace only with --force. Returns whether the
 * name is free (then a process finding it taken knows a sibling took it).
 */
function prepareOutput(file: string, force: boolean): boolean {
  const what = existing(file);
  if (what === 'none') return true;
  if (what !== 'trace') {
    throw new UsageError(`${file} exists and is ${what}; refusing to overwrite it (choose another -o)`);
  }
  if (!force) return false; // the preload takes the next free number and says so
  fs.unlinkSync(file);
  return true;
}

function quoteForNodeOptions(p: string): string {
  return `"${p.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function childEnv(opts: RunOptions, file: string, claim: boolean): NodeJS.ProcessEnv {
  const register = path.join(__dirname, '..', 'register.js');
  const nodeOptions = [process.env.NODE_OPTIONS, `--require ${quoteForNodeOptions(register)}`]
    .filter((s) => s !== undefined && s !== '').join(' ');
  return {
    ...process.env,
    NODE_OPTIONS: nodeOptions,
    ALLOCTRACE_FILE: file,
    ALLOCTRACE_INTERVAL: String(opts.interval),
    ALLOCTRACE_DEPTH: String(opts.depth),
    ALLOCTRACE_POLL_MS: String(opts.pollMs),
    ALLOCTRACE_PRECISE: opts.precise ? '1' : '0',
    // The name is free: the first process takes FILE, any sibling started alongside gets FILE.<pid>.
    ALLOCTRACE_CLAIM: claim ? '1' : '0',
  };
}

interface Finished {
  code: number;
  /** The command's pid: its file is the main one when the name has %p. */
  pid: number | undefined;
}

function waitForChild(command: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env });
    // Ctrl-C reaches the whole process group: let the command handle it and
    // stay alive ourselves to print the report once it has finished.
    const ignore = (): void => {};
    const forward = (signal: NodeJS.Signals) => () => { child.kill(signal); };
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', ignore);
    process.on('SIGTERM', onTerm);
    const done = (code: number): void => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', onTerm);
      resolve({ code, pid: child.pid });
    };
    child.on('error', (err) => {
      process.stderr.write(`alloctrace run: cannot start ${command[0]}: ${err.message}\n`);
      done(127);
    });
    child.on('exit', (code, signal) => {
      done(signal ? 128 + (os.constants.signals[signal] ?? 0) : code ?? 1);
    });
  });
}

/** As people would type it: relative under the current directory, quoted for a POSIX shell if need be. */
function shellWord(file: string): string {
  const rel = path.relative(process.cwd(), file);
  const shown = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
  return /^[\w@%+=:,./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`;
}

function describeTrace(t: RunTrace): string {
  const allocated = t.allocated === null ? 'unreadable' : `${formatSize(t.allocated)} allocated`;
  const { parts } = t.found;
  const rotated = parts.length > 0 ? ` + ${parts.length} rotated: ${parts.join(' ')}` : '';
  return `${t.found.file} (${t.found.bytes} bytes, ${allocated}${t.who ? `; ${t.who}` : ''})${rotated}`;
}

/** Where the traces are, and the commands that show the ones not reported above. */
function printTraceList(summary: RunSummary): void {
  const reported = summary.busiest?.run ?? null;
  const others = summary.traces.filter((t) => t !== reported);
  const out: string[] = [''];
  if (reported) out.push(`Trace: ${describeTrace(reported)}`);
  if (others.length > 0) {
    out.push(`${reported ? 'Other traces' : 'Traces'} of the command's processes and threads (${others.length}):`);
    for (const t of others) out.push(`  ${describeTrace(t)}`);
    const words = summary.traces.flatMap((t) => [t.found.file, ...t.found.parts]).map(shellWord).join(' ');
    out.push(`One report per file: alloctrace report ${words} --separate`);
    out.push(`All merged:          alloctrace report ${words}`);
  }
  out.push(`More: alloctrace report ${shellWord((reported ?? summary.traces[0]).found.file)} --help`);
  process.stdout.write(`${out.join('\n')}\n`);
}

export async function runCommand(argv: string[]): Promise<number> {
  let opts: RunOptions | 'help';
  try {
    opts = parseRunArgs(argv);
  } catch (err) {
    if (err instanceof UsageError || err instanceof OptionError) {
      say(`run: ${err.message}`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (opts === 'help') {
    process.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  const output = withDefaultName(opts.output, defaultOutput());
  const file = path.resolve(output);
  const hasPattern = /%[pthd]/.test(output);
  let claim = true;
  try {
    if (!hasPattern) claim = prepareOutput(file, opts.force);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    say(`run: ${err.message}`);
    return EXIT_USAGE;
  }
  // Files older than this belong to earlier runs (a little slack: file times
  // come from the kernel's coarse clock).
  const sinceMs = Date.now() - 100;
  const { code, pid } = await waitForChild(opts.command, childEnv(opts, file, claim));
  const traces = findRunTraces(file, pid, sinceMs);
  if (traces === null) {
    process.stderr.write(`alloctrace: traces written as ${file}\n`);
    return code;
  }
  const { main, others } = traces;
  if (!main && others.length === 0) {
    process.stderr.write(`alloctrace: no trace was written to ${file} (was the command a Node.js program?)\n`);
    return code;
  }
  // The command's own process first: it wins a tie.
  const summary = summarizeRun([...(main ? [main] : []), ...others]);
  process.stdout.write(`\n${formatBusiestReports(summary, reportOptions({ top: opts.top, groupBy: opts.groupBy }))}`);
  printTraceList(summary);
  return code;
}
