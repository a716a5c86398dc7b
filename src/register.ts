// The preload: `node --require alloctrace/register app.js`. Reads the
// ALLOCTRACE_* variables, starts tracing, and otherwise stays out of the way:
// nothing here may throw into the app or keep it alive.
import {
  DEFAULTS, OptionError, TracerOptions, insertBeforeExtension, parseBytes, parseFlag, parseWhole,
} from './options';
import { AdminAddress, addressText, isLocalOnly, parseAdminAddress } from './admin/address';
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
  return {
    file,
    interval: interval === undefined ? DEFAULTS.interval : parseBytes(interval, 'ALLOCTRACE_INTERVAL'),
    depth: depth === undefined ? DEFAULTS.depth : parseWhole(depth, 'depth', 'ALLOCTRACE_DEPTH'),
    pollMs: pollMs === undefined ? DEFAULTS.pollMs : parseWhole(pollMs, 'pollMs', 'ALLOCTRACE_POLL_MS'),
    precise: precise === undefined ? DEFAULTS.precise : parseFlag(precise, 'ALLOCTRACE_PRECISE'),
    exitGc: exitGc === undefined ? true : parseFlag(exitGc, 'ALLOCTRACE_EXIT_GC'),
    // Set by `alloctrace run`, which removed the file first: the first process claims it.
    claim: read('ALLOCTRACE_CLAIM') === '1',
  };
}

function signalFromEnv(env: NodeJS.ProcessEnv): NodeJS.Signals | undefined {
  const name = env.ALLOCTRACE_SIGNAL;
  if (name === undefined || name === '') return undefined;
  const upper = name.toUpperCase();
  const full = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as NodeJS.Signals;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { signals } = (require('node:os') as typeof import('node:os')).constants;
  if (!(full in signals) || full === 'SIGKILL' || full === 'SIGSTOP') {
    throw new OptionError(`ALLOCTRACE_SIGNAL must name a signal such as SIGUSR2, not "${name}"`);
  }
  return full;
}

interface AdminSettings {
  address: AdminAddress;
  token: string;
}

/**
 * The endpoint never runs without a token, wherever it listens; a bind that
 * other hosts could reach says so in its own words. Any problem here turns
 * the endpoint off (one warning), not tracing.
 */
function adminFromEnv(env: NodeJS.ProcessEnv): AdminSettings | undefined {
  const spec = env.ALLOCTRACE_HTTP;
  if (spec === undefined || spec === '') return undefined;
  try {
    const address = parseAdminAddress(spec);
    const token = env.ALLOCTRACE_HTTP_TOKEN ?? '';
    if (token.length < 8) {
      throw new OptionError(isLocalOnly(address)
        ? 'ALLOCTRACE_HTTP needs ALLOCTRACE_HTTP_TOKEN (8 characters or more)'
        : `ALLOCTRACE_HTTP=${addressText(address)} would be reachable from other hosts without ALLOCTRACE_HTTP_TOKEN (8 characters or more): refused`);
    }
    return { address, token };
  } catch (err) {
    warn(`${err instanceof Error ? err.message : String(err)}; the admin endpoint is off, tracing goes on`);
    return undefined;
  }
}

function register(): void {
  let options: TracerOptions;
  let signal: NodeJS.Signals | undefined;
  let isMainThread = true;
  try {
    isMainThread = currentThreadId() === 0;
    options = optionsFromEnv(process.env);
    signal = isMainThread ? signalFromEnv(process.env) : undefined;
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
  // Read once tracing runs: a problem with it turns the endpoint off, not tracing.
  const admin = isMainThread ? adminFromEnv(process.env) : undefined;
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
