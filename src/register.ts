// The preload: `node --require alloctrace/register app.js`. Reads the
// ALLOCTRACE_* variables, starts tracing, and otherwise stays out of the way:
// nothing here may throw into the app or keep it alive.
import {
  DEFAULTS, OptionError, TracerOptions, insertBeforeExtension, parseArgvMode, parseBytes, parseFlag, parseWhole, withDefaultName,
} from './options';
import { AdminAddress, addressText, isLocalOnly, parseAdminAddress } from './admin/address';
import { loadNative } from './native';
import { isPrecise, preciseFromStart, setPrecise } from './precise';
import { currentThreadId, startTracing } from './tracer';
import { warn } from './warn';

function optionsFromEnv(env: NodeJS.ProcessEnv): TracerOptions {
  const read = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  // A directory: the default name in it.
  const file = withDefaultName(read('ALLOCTRACE_FILE') ?? DEFAULTS.file as string);
  const interval = read('ALLOCTRACE_INTERVAL');
  const depth = read('ALLOCTRACE_DEPTH');
  const pollMs = read('ALLOCTRACE_POLL_MS');
  const precise = read('ALLOCTRACE_PRECISE');
  const exitGc = read('ALLOCTRACE_EXIT_GC');
  const argv = read('ALLOCTRACE_ARGV');
  const maxBytes = read('ALLOCTRACE_MAX_BYTES');
  const keep = read('ALLOCTRACE_KEEP');
  return {
    file,
    interval: interval === undefined ? DEFAULTS.interval : parseBytes(interval, 'ALLOCTRACE_INTERVAL'),
    depth: depth === undefined ? DEFAULTS.depth : parseWhole(depth, 'depth', 'ALLOCTRACE_DEPTH'),
    pollMs: pollMs === undefined ? DEFAULTS.pollMs : parseWhole(pollMs, 'pollMs', 'ALLOCTRACE_POLL_MS'),
    precise: precise === undefined ? DEFAULTS.precise : parseFlag(precise, 'ALLOCTRACE_PRECISE'),
    exitGc: exitGc === undefined ? true : parseFlag(exitGc, 'ALLOCTRACE_EXIT_GC'),
    maxBytes: maxBytes === undefined ? DEFAULTS.maxBytes : parseBytes(maxBytes, 'ALLOCTRACE_MAX_BYTES', 'maxBytes'),
    keep: keep === undefined ? DEFAULTS.keep : parseWhole(keep, 'keep', 'ALLOCTRACE_KEEP'),
    // Set by `alloctrace run` when the name was free: the first process claims it.
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

/**
 * ALLOCTRACE_PRECISE_SIGNAL: the signal that toggles precise mode. A refused
 * one is a warning and no listener; tracing goes on (it is only this switch).
 */
function preciseSignalFromEnv(env: NodeJS.ProcessEnv, markerSignal: NodeJS.Signals | undefined): NodeJS.Signals | undefined {
  const value = env.ALLOCTRACE_PRECISE_SIGNAL;
  if (value === undefined || value === '') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { checkListenableSignal } = require('./signals') as typeof import('./signals');
  const choice = checkListenableSignal(value, 'ALLOCTRACE_PRECISE_SIGNAL', 'precise mode has no signal, tracing goes on');
  if ('refused' in choice) {
    warn(choice.refused);
    return undefined;
  }
  if (choice.signal === markerSignal) {
    warn(`ALLOCTRACE_PRECISE_SIGNAL=${value} is ignored: ALLOCTRACE_SIGNAL writes markers on it; precise mode has no signal, tracing goes on`);
    return undefined;
  }
  return choice.signal;
}

/**
 * ALLOCTRACE_CENSUS_ON_SIGNAL=1: the marker signal also takes an object
 * census (written into the trace, labelled with the marker's name). A bad
 * value is one warning: the signal then writes markers only.
 */
function censusOnSignalFromEnv(env: NodeJS.ProcessEnv): boolean {
  const value = env.ALLOCTRACE_CENSUS_ON_SIGNAL;
  if (value === undefined || value === '') return false;
  try {
    return parseFlag(value, 'ALLOCTRACE_CENSUS_ON_SIGNAL');
  } catch (err) {
    warn(`${err instanceof Error ? err.message : String(err)}; the signal writes markers only, tracing goes on`);
    return false;
  }
}

/** Each signal turns precise mode on if it is off, off if it is on; one line on stderr says what it did. */
function togglePreciseOnSignal(signal: NodeJS.Signals): void {
  process.on(signal, () => {
    try {
      const r = setPrecise(!isPrecise());
      if (r.changed) warn(`precise mode ${r.on ? 'on' : 'off'} (${signal}; the switch paused the app ${r.pauseMs.toFixed(1)} ms)`);
    } catch {
      // setPrecise warns by itself; nothing may reach the app.
    }
  });
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
    // Nothing is optimized yet: the flags alone make precise mode.
    if (options.precise) preciseFromStart();
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
  const preciseSignal = isMainThread ? preciseSignalFromEnv(process.env, signal) : undefined;
  if (preciseSignal !== undefined) togglePreciseOnSignal(preciseSignal);
  if (signal !== undefined) {
    let count = 0;
    const census = censusOnSignalFromEnv(process.env);
    process.on(signal, () => {
      count += 1;
      try {
        const name = `${signal}-${count}`;
        loadNative().mark(name, true);
        // After its own full GC, like the API's census; its result is only the record in the trace.
        // Loaded on the first signal: the preload path stays small.
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        if (census) (require('./census') as typeof import('./census')).takeCensus({ label: name });
      } catch (err) {
        // A marker is worth less than the app; a census too big to take is said once per signal.
        if (err instanceof Error && err.name === 'HeapWalkRefused') {
          warn(`${(err as import('./heap/walk-guard').HeapWalkRefused).refusal.message}: no census at ${signal}-${count}`);
        }
      }
    });
  }
}

register();
