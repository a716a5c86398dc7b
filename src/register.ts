// The preload: `node --require alloctrace/register app.js`. Reads the
// ALLOCTRACE_* variables, starts tracing, and otherwise stays out of the way:
// nothing here may throw into the app or keep it alive.
import {
  DEFAULTS, OptionError, TracerOptions, insertBeforeExtension, parseArgvMode, parseBytes, parseFlag, parseWhole,
} from './options';
import { AdminAddress, parseAdminAddress } from './admin/address';
import { loadNative } from './native';
import { currentThreadId, startTracing } from './tracer';
import { warn } from './warn';

function optionsFromEnv(env: NodeJS.ProcessEnv): TracerOptions {
  const read = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const file = read('ALLOCTRACE_FILE') ?? DEFAULTS.file;
  const interval = read('ALLOCTRACE_INTERVAL');
  const depth = read('ALLOCTRACE_DEPTH');
  const pollMs = read('ALLOCTRACE_POLL_MS');
  const precise = read('ALLOCTRACE_PRECISE');
  const exitGc = read('ALLOCTRACE_EXIT_GC');
  const argv = read('ALLOCTRACE_ARGV');
  return {
    file,
    interval: interval === undefined ? DEFAULTS.interval : parseBytes(interval, 'ALLOCTRACE_INTERVAL'),
    depth: depth === undefined ? DEFAULTS.depth : parseWhole(depth, 'depth', 'ALLOCTRACE_DEPTH'),
    pollMs: pollMs === undefined ? DEFAULTS.pollMs : parseWhole(pollMs, 'pollMs', 'ALLOCTRACE_POLL_MS'),
    precise: precise === undefined ? DEFAULTS.precise : parseFlag(precise, 'ALLOCTRACE_PRECISE'),
    exitGc: exitGc === undefined ? true : parseFlag(exitGc, 'ALLOCTRACE_EXIT_GC'),
    // Set by `alloctrace run`, which removed the file first: the first process claims it.
    claim: read('ALLOCTRACE_CLAIM') === '1',
    argv: argv === undefined ? undefined : parseArgvMode(argv, 'ALLOCTRACE_ARGV'),
  };
}

/** The marker signal, or undefined; a signal that is not ours to take is one warning, and tracing goes on. */
function signalFromEnv(env: NodeJS.ProcessEnv): NodeJS.Signals | undefined {
  const value = env.ALLOCTRACE_SIGNAL;
  if (value === undefined || value === '') return undefined;
  // Loaded only when asked for: the preload otherwise stays small.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { checkListenableSignal } = require('./signals') as typeof import('./signals');
  const choice = checkListenableSignal(value, 'ALLOCTRACE_SIGNAL');
  if ('refused' in choice) {
    warn(choice.refused);
    return undefined;
  }
  return choice.signal;
}

interface AdminSettings {
  address: AdminAddress;
  token: string;
}

function adminFromEnv(env: NodeJS.ProcessEnv): AdminSettings | undefined {
  const spec = env.ALLOCTRACE_HTTP;
  if (spec === undefined || spec === '') return undefined;
  const address = parseAdminAddress(spec);
  const token = env.ALLOCTRACE_HTTP_TOKEN ?? '';
  if (token.length < 8) {
    throw new OptionError('ALLOCTRACE_HTTP needs ALLOCTRACE_HTTP_TOKEN (8 characters or more); the admin endpoint refuses to run without one');
  }
  return { address, token };
}

function register(): void {
  let options: TracerOptions;
  let signal: NodeJS.Signals | undefined;
  let admin: AdminSettings | undefined;
  let isMainThread = true;
  try {
    isMainThread = currentThreadId() === 0;
    options = optionsFromEnv(process.env);
    signal = isMainThread ? signalFromEnv(process.env) : undefined;
    admin = isMainThread ? adminFromEnv(process.env) : undefined;
  } catch (err) {
    warn(`${err instanceof Error ? err.message : String(err)}; tracing is off, the app goes on`);
    return;
  }
  const file = startTracing(options);
  if (file === undefined) return;
  if (isMainThread && options.file !== undefined && !options.file.includes('%p')) {
    // Child processes inherit the variables: give each its own file beside ours.
    process.env.ALLOCTRACE_FILE = insertBeforeExtension(options.file, '.%p');
  }
  if (admin !== undefined) {
    // Loaded only when asked for: the preload otherwise stays small.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { serveAdmin } = require('./admin/server') as typeof import('./admin/server');
    serveAdmin(admin.address, admin.token);
  }
  if (signal !== undefined) {
    let count = 0;
    process.on(signal, () => {
      count += 1;
      try {
        loadNative().mark(`${signal}-${count}`, true);
      } catch {
        // A marker is worth less than the app.
      }
    });
  }
}

register();
