// `alloctrace run [options] -- <command...>`: runs a command with the preload
// in NODE_OPTIONS (so node processes it starts are traced too), waits for it,
// then prints the top of the report and where the trace is.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULTS, OptionError, parseBytes, parseWhole } from '../options';
import { printReport } from './report';

export const RUN_HELP = `Usage: alloctrace run [options] -- <command...>

Runs <command> with allocation tracing preloaded into every Node.js process it
starts, then prints the top of the report.

Options:
  -o, --output FILE    trace file (default alloctrace-<pid>.atrace); %p pid,
                       %t thread id, %h host, %d start time. Other processes of
                       the command write FILE.<pid>.atrace beside it.
  --interval BYTES     average bytes between samples (default 512k)
  --depth N            frames kept per sample (default 64)
  --poll-ms MS         milliseconds between polls (default 1000)
  --precise            turn off TurboFan inlining so allocations are charged
                       to the exact function (costs some CPU)
  --top N              lines in the printed report (default 10)
  --group-by KEY       lineno (default), filename, function or traceback
  -h, --help           this help

Exit code: the command's own (128 + signal number if a signal ended it);
2 for a usage error; 127 if the command could not be started.`;

interface RunOptions {
  output: string;
  interval: number;
  depth: number;
  pollMs: number;
  precise: boolean;
  top: number;
  groupBy: string;
  command: string[];
}

const VALUE_OPTIONS = new Set(['-o', '--output', '--interval', '--depth', '--poll-ms', '--top', '--group-by']);
const GROUP_KEYS = ['lineno', 'filename', 'function', 'traceback'];

class UsageError extends Error {}

function parseRunArgs(argv: string[]): RunOptions | 'help' {
  const opts: RunOptions = {
    output: `alloctrace-${process.pid}.atrace`,
    interval: DEFAULTS.interval,
    depth: DEFAULTS.depth,
    pollMs: DEFAULTS.pollMs,
    precise: false,
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
      case '-o': case '--output': opts.output = value as string; break;
      case '--interval': opts.interval = parseBytes(value as string, '--interval'); break;
      case '--depth': opts.depth = parseWhole(value as string, 'depth', '--depth'); break;
      case '--poll-ms': opts.pollMs = parseWhole(value as string, 'pollMs', '--poll-ms'); break;
      case '--top': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--top must be a whole number above 0, not "${value}"`);
        opts.top = n;
        break;
      }
      case '--group-by':
        if (!GROUP_KEYS.includes(value as string)) throw new UsageError(`--group-by must be one of ${GROUP_KEYS.join(', ')}`);
        opts.groupBy = value as string;
        break;
      default: throw new UsageError(`unknown option ${name} (see alloctrace run --help)`);
    }
    i++;
  }
  opts.command = argv.slice(i);
  if (opts.command.length === 0) throw new UsageError('no command to run: alloctrace run [options] -- <command...>');
  return opts;
}

function quoteForNodeOptions(p: string): string {
  return `"${p.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function childEnv(opts: RunOptions, file: string): NodeJS.ProcessEnv {
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
  };
}

function waitForChild(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
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
      resolve(code);
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

/** Trace files written by other processes of the command: FILE.<pid>.atrace. */
function siblingTraces(file: string): string[] {
  const dir = path.dirname(file);
  const ext = path.extname(file);
  const stem = path.basename(file, ext);
  const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+${ext.replace('.', '\\.')}$`);
  try {
    return fs.readdirSync(dir).filter((f) => pattern.test(f)).map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

export async function runCommand(argv: string[]): Promise<number> {
  let opts: RunOptions | 'help';
  try {
    opts = parseRunArgs(argv);
  } catch (err) {
    if (err instanceof UsageError || err instanceof OptionError) {
      process.stderr.write(`alloctrace run: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (opts === 'help') {
    process.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  const file = path.resolve(opts.output);
  const hasPattern = /%[pthd]/.test(opts.output);
  if (!hasPattern) fs.rmSync(file, { force: true });
  const code = await waitForChild(opts.command, childEnv(opts, file));
  if (hasPattern) {
    process.stderr.write(`alloctrace: traces written as ${file}\n`);
    return code;
  }
  if (!fs.existsSync(file)) {
    process.stderr.write(`alloctrace: no trace was written to ${file} (was the command a Node.js program?)\n`);
    return code;
  }
  process.stdout.write('\n');
  printReport([file], { top: opts.top, groupBy: opts.groupBy });
  const others = siblingTraces(file);
  process.stdout.write(`\nTrace: ${file} (${fs.statSync(file).size} bytes)\n`);
  if (others.length > 0) process.stdout.write(`Other processes: ${others.join(', ')}\n`);
  const shown = path.relative(process.cwd(), file);
  process.stdout.write(`More: alloctrace report ${shown.startsWith('..') ? file : shown} --help\n`);
  return code;
}
