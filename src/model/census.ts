// An object census: how many objects of each kind the heap holds and their
// shallow size (pympler's summary, objgraph's most common types). Made by
// the addon's heap walk in a running process, or from a saved heap
// snapshot; both give this shape.

/** One kind of object: V8's node type and, for objects, the constructor's name. */
export interface CensusEntry {
  /**
   * V8's HeapGraphNode type: object, array, string, closure, code, regexp,
   * number, native, synthetic, concatenated string, sliced string, symbol,
   * bigint, object shape, hidden.
   */
  type: string;
  /** The constructor's name for objects (`Map`, `Session`), the node's name for others (`system / Context`...). */
  name: string;
  count: number;
  /** Shallow bytes (the objects themselves, not what they hold). */
  size: number;
}

export interface Census {
  /** When it was taken, ns since the trace's start (or since the process start for a saved snapshot: 0). */
  timeNs: number;
  /** Why: `api`, `http`, `signal`, a marker's name, or the snapshot file it was read from. */
  label: string;
  /** A full GC ran just before the walk (the census counts live objects only). */
  gcForced: boolean;
  entries: CensusEntry[];
  /** The walk's pause on the main thread, ns (0 when unknown). */
  pauseNs: number;
  /** Of pauseNs, the forced full GC before the walk (absent when unknown). */
  gcNs?: number;
  /**
   * A counting census: JavaScript objects only (by constructor, functions by
   * name), counted without V8's heap snapshot, so sizes are 0 (unknown) and
   * strings, code, arrays' backing stores... are not in it. Taken when a full
   * census would not fit (or asked for: `mode: 'counts'`).
   */
  countsOnly?: boolean;
}

/** One kind's change between two censuses (objgraph's show_growth). */
export interface CensusGrowth extends CensusEntry {
  countDiff: number;
  sizeDiff: number;
}

const keyOf = (e: CensusEntry): string => `${e.type}\0${e.name}`;

/** The node types a counting census (countsOnly) holds: JavaScript objects. */
export const COUNTED_TYPES: ReadonlySet<string> = new Set(['object', 'closure', 'regexp']);

/** A kind a counting census can hold (a full census also types V8's contexts as objects: "system / Context"). */
export const countable = (e: CensusEntry): boolean => COUNTED_TYPES.has(e.type) && !e.name.startsWith('system / ');

/**
 * Kinds that grew from `before` to `after`, by count then size (largest
 * first); shrunk ones last. When either census only counted (countsOnly),
 * only the kinds both can hold are compared, by count (sizes 0).
 */
export function censusGrowth(after: Census, before: Census | null): CensusGrowth[] {
  const countsOnly = after.countsOnly === true || before?.countsOnly === true;
  const comparable = (entries: readonly CensusEntry[]): CensusEntry[] => (countsOnly
    ? entries.filter(countable).map((e) => ({ ...e, size: 0 }))
    : [...entries]);
  const old = new Map<string, CensusEntry>();
  for (const e of comparable(before?.entries ?? [])) old.set(keyOf(e), e);
  const out: CensusGrowth[] = [];
  for (const e of comparable(after.entries)) {
    const o = old.get(keyOf(e));
    old.delete(keyOf(e));
    out.push({ ...e, countDiff: e.count - (o?.count ?? 0), sizeDiff: e.size - (o?.size ?? 0) });
  }
  for (const o of old.values()) out.push({ ...o, count: 0, size: 0, countDiff: -o.count, sizeDiff: -o.size });
  return out.sort((a, b) => b.countDiff - a.countDiff || b.sizeDiff - a.sizeDiff || (keyOf(a) < keyOf(b) ? -1 : 1));
}
