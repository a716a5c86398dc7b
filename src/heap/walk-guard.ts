// Before a walk of the whole heap: will it fit? V8's heap snapshot (a full
// census, retainers, largest, the suspects window's end) needs many times
// the heap in extra memory and pauses the app for seconds per 100 MB; on a
// large heap it can take the process down (bench/census.js: 1 GB live did
// not finish at +10 GB). A walk that would not fit is refused, with the
// figures, unless the caller forces it. Small: the marker signal's census
// loads it (node:os and warn only).
import * as os from 'node:os';
import { warn } from '../warn';

/**
 * Extra memory per byte of used heap, as measured by bench/census.js on
 * Node 20: V8's heap snapshot took +1.47 GB at 93 MB used (2.85 M objects);
 * the counting walk (QueryObjects) +115 MiB at 100 MB and +1.5 GB at 1.15 GB.
 * Rounded up: heaps of smaller objects cost more per byte.
 */
export const WALK_COST = { snapshot: 16, count: 1.5 } as const;
export type WalkKind = keyof typeof WALK_COST;

/** The app's pause for V8's heap snapshot per MiB of used heap (bench/census.js: 7.7-11 s at 100 MB). */
const SNAPSHOT_PAUSE_S_PER_MIB = 0.1;

/** Above this much used heap, heap snapshots are refused unless forced. */
export const DEFAULT_SNAPSHOT_MAX_HEAP = 256 * 1024 * 1024;

export interface WalkBudget {
  heapUsed: number;
  /** Memory the process may still take: the container's limit included (process.availableMemory()). */
  available: number;
  /** The used-heap limit for heap snapshots (ALLOCTRACE_SNAPSHOT_MAX_HEAP). */
  maxHeap: number;
}

export interface WalkRefusal {
  kind: WalkKind;
  heapUsed: number;
  needed: number;
  available: number;
  maxHeap: number;
  message: string;
}

const mib = (b: number): string => `${Math.round(b / 1048576).toLocaleString('en-US')} MiB`;

/** Why a walk of `kind` must not run on this budget, or null when it may. */
export function walkRefusal(kind: WalkKind, budget: WalkBudget, what: string): WalkRefusal | null {
  const needed = Math.round(budget.heapUsed * WALK_COST[kind]);
  const base = { kind, heapUsed: budget.heapUsed, needed, available: budget.available, maxHeap: budget.maxHeap };
  if (needed > budget.available) {
    return {
      ...base,
      message: `${what} refused: it needs about ${mib(needed)} more memory for this heap (${mib(budget.heapUsed)} used) ` +
        `and the process has ${mib(budget.available)} available; it could be killed for it`,
    };
  }
  if (kind === 'snapshot' && budget.heapUsed > budget.maxHeap) {
    return {
      ...base,
      message: `${what} refused: V8's heap snapshot of this heap (${mib(budget.heapUsed)} used, over the ${mib(budget.maxHeap)} ` +
        `limit, ALLOCTRACE_SNAPSHOT_MAX_HEAP) would pause the app for about ${Math.round((budget.heapUsed / 1048576) * SNAPSHOT_PAUSE_S_PER_MIB)} s ` +
        `and take about ${mib(needed)} more memory`,
    };
  }
  return null;
}

let warnedBadMax = false;

/** ALLOCTRACE_SNAPSHOT_MAX_HEAP: bytes, or with k/M/G (powers of 1024); a bad value keeps the default (one warning). */
export function snapshotMaxHeap(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.ALLOCTRACE_SNAPSHOT_MAX_HEAP?.trim();
  if (!text) return DEFAULT_SNAPSHOT_MAX_HEAP;
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text);
  if (!m) {
    if (!warnedBadMax) warn(`ALLOCTRACE_SNAPSHOT_MAX_HEAP=${JSON.stringify(text.slice(0, 40))} is not a size such as 512M or 2G: using ${mib(DEFAULT_SNAPSHOT_MAX_HEAP)}`);
    warnedBadMax = true;
    return DEFAULT_SNAPSHOT_MAX_HEAP;
  }
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * unit);
}

/** This process's budget now. */
export function currentBudget(): WalkBudget {
  const available = typeof process.availableMemory === 'function' ? process.availableMemory() : os.freemem();
  return { heapUsed: process.memoryUsage().heapUsed, available, maxHeap: snapshotMaxHeap() };
}

/** Thrown (API) or answered 503 (admin) when a heap walk was refused; `force` runs it anyway. */
export class HeapWalkRefused extends Error {
  constructor(readonly refusal: WalkRefusal) {
    super(`${refusal.message}. Pass { force: true } to take it anyway`);
    this.name = 'HeapWalkRefused';
  }
}

/** Throws HeapWalkRefused when a walk of `kind` would not fit, unless `force`. */
export function checkHeapWalk(kind: WalkKind, what: string, force = false): void {
  if (force) return;
  const refusal = walkRefusal(kind, currentBudget(), what);
  if (refusal) throw new HeapWalkRefused(refusal);
}
