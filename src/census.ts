// Taking an object census in this process: a full one (V8's heap snapshot,
// sizes for every kind) when it fits, else a counting one (JavaScript objects
// by constructor, no snapshot); one decision for the API, the admin endpoint
// and the marker signal. Loaded by the preload path: small on purpose.
import type { Census } from './model/census';
import { loadNative } from './native';
import { checkHeapWalk, currentBudget, walkRefusal } from './heap/walk-guard';

export interface CensusOptions {
  /** A full GC first (default true), so that only what is still referenced is counted (a counting census always has one). */
  gc?: boolean;
  /** Why it was taken, kept with it in the trace (default `api`). */
  label?: string;
  /**
   * `full`: every kind with its shallow size, from V8's heap snapshot (about
   * 16x the used heap in extra memory, ~0.1 s pause per MB). `counts`:
   * JavaScript objects by constructor, counted without a snapshot (no sizes;
   * ~6x faster and ~13x less memory: 1.2 s and +115 MiB at 100 MB, 14-16 s and +1.5 GB at 1.15 GB). `auto`
   * (default): full when it fits the memory available and
   * ALLOCTRACE_SNAPSHOT_MAX_HEAP, else counts.
   */
  mode?: 'auto' | 'full' | 'counts';
  /** Take it even when it would not fit (see heap/walk-guard.ts): the process may be killed for it. */
  force?: boolean;
}

/** A census, and when an automatic one only counted, why (the full census's refusal). */
export interface CensusResult extends Census {
  fallback?: string;
}

/**
 * An object census: how many objects of each kind the heap holds (V8's node
 * type, and the constructor's name for objects) and their shallow size,
 * after a full GC. Needs no tracing; when tracing to a file it is written
 * into the trace too (`alloctrace census FILE`). It pauses the app for the
 * walk of the whole heap (see the README for figures). Throws when the
 * native addon is not available (as takeSnapshot() does: there is nothing
 * to return), and a HeapWalkRefused when the census asked for would not fit
 * (never with `mode: 'auto'` unless even counting would not).
 */
export function takeCensus(options: CensusOptions = {}): CensusResult {
  const n = loadNative(); // throws the one-line reason when the addon cannot load
  const plan = planCensus(options);
  const label = options?.label === undefined ? 'api' : String(options.label);
  const c = n.census(options?.gc ?? true, label, plan.countsOnly);
  return {
    // Not tracing: since the process started (performance's time origin).
    timeNs: c.timeNs > 0 ? c.timeNs : Math.round(performance.now() * 1e6),
    label,
    gcForced: c.gcForced,
    entries: c.entries,
    pauseNs: c.pauseNs,
    gcNs: c.gcNs,
    ...(c.countsOnly ? { countsOnly: true } : {}),
    ...(plan.fallback === undefined ? {} : { fallback: plan.fallback }),
  };
}

/** Which census `options` ask for, on this heap now. */
interface CensusPlan {
  countsOnly: boolean;
  /** Why an automatic census only counts. */
  fallback?: string;
}

/**
 * Decides, before any pause, between a full and a counting census; throws
 * HeapWalkRefused when the one asked for would not fit.
 */
function planCensus(options: Pick<CensusOptions, 'mode' | 'force'> = {}): CensusPlan {
  const mode = options?.mode ?? 'auto';
  if (mode !== 'auto' && mode !== 'full' && mode !== 'counts') throw new RangeError(`census mode must be auto, full or counts, not ${String(mode)}`);
  const force = options?.force === true;
  let fallback: string | undefined;
  let countsOnly = mode === 'counts';
  if (mode === 'auto' && !force) {
    const refusal = walkRefusal('snapshot', currentBudget(), 'a full census');
    if (refusal) {
      countsOnly = true;
      fallback = `${refusal.message}: counted JavaScript objects instead (no sizes); mode: 'full' with force takes it anyway`;
    }
  } else if (mode === 'full') {
    checkHeapWalk('snapshot', 'a full census', force);
  }
  if (countsOnly) checkHeapWalk('count', 'a counting census', force);
  return fallback === undefined ? { countsOnly } : { countsOnly, fallback };
}
