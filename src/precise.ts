// Precise mode: no inlining, so that every allocation is charged to the
// function that made it (V8's sampler records only the outermost function of
// an optimized frame). At start-up the flags alone do it; at run time the
// code V8 already optimized must also be thrown away, or it keeps its inlined
// callees: the in-process inspector's precise coverage deoptimizes every
// function on every Node line (start + stop, nothing else stays on). The
// trace gets a marker at each switch, so reports know which allocations were
// made in precise mode. node:inspector loads only when a switch is asked for.
import type { Session } from 'node:inspector';
import { loadNative } from './native';
import { warn } from './warn';

export interface PreciseResult {
  /** Precise mode after the call. */
  on: boolean;
  /** Whether the call switched it. */
  changed: boolean;
  /**
   * How long the switch held up this thread, in ms (a poll, the marker, the
   * flags and the deoptimization of all optimized code: it grows with the
   * heap); 0 when nothing was switched.
   */
  pauseMs: number;
  /** When a temporary precise mode goes back off by itself; null when it stays. */
  until: Date | null;
  /** Why a switch that was asked for was not made (NODE_V8_COVERAGE set, no inspector...); null otherwise. */
  skipped: string | null;
}

export interface SetPreciseOptions {
  /**
   * Only with `on`: go back off after this many milliseconds (a later call
   * may extend it). Precise mode that is already on for good stays so.
   */
  forMs?: number;
}

/** Longest temporary period: setTimeout's limit (~24.8 days). */
export const MAX_PRECISE_FOR_MS = 2 ** 31 - 1;

let inliningOff = false;
let until: number | null = null;
let timer: NodeJS.Timeout | null = null;
const warned = new Set<string>();

/** Whether precise mode is on in this thread. */
export function isPrecise(): boolean {
  return inliningOff;
}

/** Whether precise mode is on, and until when if it is temporary. */
export function preciseState(): { on: boolean; until: Date | null } {
  return { on: inliningOff, until: until === null ? null : new Date(until) };
}

/**
 * Precise mode from start-up (the preload): nothing is optimized yet, so the
 * flags are enough, and node:inspector is not loaded.
 */
export function preciseFromStart(): void {
  if (inliningOff) return;
  loadNative().disableInlining();
  inliningOff = true;
}

function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  warn(message);
}

class Skip extends Error {}

/** Why a run-time switch must not be made here, or null. */
function reasonToSkip(): string | null {
  const coverage = process.env.NODE_V8_COVERAGE;
  if (coverage !== undefined && coverage !== '') {
    return 'NODE_V8_COVERAGE is set: switching precise mode at run time would spoil its coverage, so it was not switched';
  }
  return null;
}

function openSession(): Session {
  let inspector: typeof import('node:inspector');
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    inspector = require('node:inspector') as typeof import('node:inspector');
    const session = new inspector.Session();
    session.connect();
    return session;
  } catch (err) {
    throw new Skip(`precise mode cannot be switched at run time without node:inspector (${err instanceof Error ? err.message : String(err)})`);
  }
}

type Post = (method: string, params: object | undefined, callback: (err: Error | null) => void) => void;

/** An in-process session answers at once; anything else is a failure here. */
function post(session: Session, method: string, params?: object): void {
  let answer: Error | null | undefined;
  (session.post as unknown as Post).call(session, method, params, (err) => { answer = err ?? null; });
  if (answer === undefined) throw new Error(`the inspector did not answer ${method} at once`);
  if (answer !== null) throw answer;
}

function setFlags(off: boolean): void {
  if (off) loadNative().disableInlining();
  else loadNative().enableInlining();
}

/**
 * The switch itself: poll and marker first, then the flags, then every
 * optimized function is deoptimized; no JavaScript of the app runs between,
 * so the marker separates the two modes exactly. Returns the pause in ms.
 */
function switchNow(on: boolean): number {
  const t0 = process.hrtime.bigint();
  const session = openSession();
  try {
    post(session, 'Profiler.enable');
    loadNative().switchPrecise(on);
    setFlags(on);
    try {
      // Precise coverage needs exact call counts, so V8 deoptimizes all
      // code when it starts; stopping it right away leaves V8 as it was.
      post(session, 'Profiler.startPreciseCoverage', { callCount: false, detailed: false });
      post(session, 'Profiler.stopPreciseCoverage');
    } catch (err) {
      setFlags(!on);
      loadNative().switchPrecise(!on);
      throw err;
    }
  } finally {
    try {
      post(session, 'Profiler.disable');
    } catch {
      // The session goes anyway.
    }
    session.disconnect();
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function clearTimer(): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  until = null;
}

function armTimer(forMs: number): void {
  clearTimer();
  until = Date.now() + forMs;
  timer = setTimeout(() => {
    timer = null;
    until = null;
    const r = setPrecise(false);
    if (r.changed) warn(`precise mode off: its temporary period ended (the switch paused the app ${r.pauseMs.toFixed(1)} ms)`);
  }, forMs);
  timer.unref();
}

function result(changed: boolean, pauseMs: number, skipped: string | null = null): PreciseResult {
  return { on: inliningOff, changed, pauseMs, until: until === null ? null : new Date(until), skipped };
}

/**
 * Switches precise mode at run time: inlining off (or back on) in every
 * optimizing compiler this V8 has, and all optimized code of this thread
 * deoptimized, so that it re-optimizes under the new setting. Never throws:
 * a switch that cannot be made is one warning and `skipped` says why.
 */
export function setPrecise(on: boolean, options: SetPreciseOptions = {}): PreciseResult {
  const want = Boolean(on);
  const forMs = options.forMs;
  if (forMs !== undefined && (!Number.isFinite(forMs) || forMs < 1 || forMs > MAX_PRECISE_FOR_MS)) {
    const why = `setPrecise: forMs must be a number of milliseconds from 1 to ${MAX_PRECISE_FOR_MS}, not ${String(forMs)}`;
    warn(why);
    return result(false, 0, why);
  }
  const temporary = want && forMs !== undefined;
  // On for good stays on for good: a temporary request does not shorten it.
  if (temporary && inliningOff && until === null) return result(false, 0);
  if (want === inliningOff) {
    if (temporary) armTimer(forMs);
    else clearTimer();
    return result(false, 0);
  }
  let pauseMs: number;
  try {
    const skip = reasonToSkip();
    if (skip !== null) throw new Skip(skip);
    pauseMs = switchNow(want);
  } catch (err) {
    const why = err instanceof Skip ? err.message
      : `precise mode could not be switched ${want ? 'on' : 'off'}: ${err instanceof Error ? err.message : String(err)}`;
    warnOnce(why);
    return result(false, 0, why);
  }
  inliningOff = want;
  if (temporary) armTimer(forMs);
  else clearTimer();
  return result(true, pauseMs);
}

/** Ends a temporary precise mode now (the admin endpoint's /stop); precise mode on for good stays. */
export function endTemporaryPrecise(): PreciseResult {
  if (until === null) return result(false, 0);
  return setPrecise(false);
}
