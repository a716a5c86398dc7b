// Forced full GCs from the admin endpoint are rate-limited, so that no number
// of requests can keep the app collecting. Requests that come one at a time
// (a script's baseline, diff, diff) may use a burst of BURST in a row, earned
// back one per REFILL_MS, each no sooner than DUTY_FACTOR times the last one's
// pause after it ended. A crowd (requests sharing a job, or waiting behind it:
// a dashboard's refreshes, a flood) never spends the burst and forces at most
// one GC per CROWD_REFILL_MS, each no sooner than CROWD_DUTY_FACTOR times the
// last pause: forced GCs then take at most 1/CROWD_DUTY_FACTOR of the app's
// time, too little to reach its p99 latency (bench/admin.js measures it). A GC asked for beyond that is not run: a
// crowd's snapshot request gets the snapshot taken with the latest forced GC
// (so at most max(REFILL_MS, DUTY_FACTOR x pause) old) unless that GC was a
// marker's; a request on its own (a script's baseline, load, diff) always
// gets a fresh snapshot, without GC then, since an older one could hide what
// grew since; a marker is written without one. Every answer says which it got.
// ALLOCTRACE_HTTP_GC_LIMIT=0 turns the limit off (a test bench, a dev box).
import { HeapWalkRefused } from '../heap/walk-guard';

export const BURST = 3;
export const REFILL_MS = 5000;
export const DUTY_FACTOR = 20;
export const CROWD_REFILL_MS = 30000;
export const CROWD_DUTY_FACTOR = 200;

/**
 * forced: a full GC ran for this answer; reused: the GC was refused and the
 * answer is the snapshot of the latest forced GC, `ageMs` old; skipped: the GC
 * was refused with nothing to reuse, so fresh data without a GC (a marker is
 * written without one); off: no GC asked (gc=0).
 */
export type GcStatus = 'forced' | 'reused' | 'skipped' | 'off';

export interface GcNote {
  status: GcStatus;
  /** How old the data behind the answer is: 0 unless reused. */
  ageMs: number;
  /** Full GCs the admin endpoint has forced in this process so far. */
  forcedGcs: number;
  /** Milliseconds until a forced GC is allowed again (0: now). */
  nextGcInMs: number;
}

export class GcLimit<S> {
  private tokens = BURST;
  private refilledAt: number;
  private lastEnd = -Infinity;
  private lastPauseMs = 0;
  private forced = 0;
  /** The snapshot taken with the latest forced GC, unless that GC was a marker's. */
  private kept: { value: S; at: number } | undefined;

  /** `now`: a monotonic clock in milliseconds (a test's own, to be exact). */
  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly limited = process.env.ALLOCTRACE_HTTP_GC_LIMIT !== '0',
  ) {
    this.refilledAt = now();
  }

  /** `take(gc)` makes a snapshot, after a full GC when `gc`; `crowded`: others want it too. */
  snapshot(wantGc: boolean, take: (gc: boolean) => S, crowded = false): { value: S; gc: GcNote } {
    if (!wantGc) return { value: take(false), gc: this.note('off', 0, crowded) };
    if (this.allow(crowded)) {
      const value = this.force(() => take(true));
      this.kept = { value, at: this.lastEnd };
      return { value, gc: this.note('forced', 0, crowded) };
    }
    if (crowded && this.kept !== undefined) return { value: this.kept.value, gc: this.note('reused', this.now() - this.kept.at, crowded) };
    return { value: take(false), gc: this.note('skipped', 0, crowded) };
  }

  /** `write(gc)` writes a marker, after a full GC when `gc`; `crowded` as for snapshot(). */
  mark(wantGc: boolean, write: (gc: boolean) => void, crowded = false): GcNote {
    if (wantGc && this.allow(crowded)) {
      this.force(() => write(true));
      this.kept = undefined; // older than this GC: no longer what a GC'd snapshot would show
      return this.note('forced', 0, crowded);
    }
    write(false);
    return this.note(wantGc ? 'skipped' : 'off', 0, crowded);
  }

  /**
   * A heap walk (an object census): V8's heap snapshot pauses the app at
   * least as long as a full GC (and runs one itself), with or without the
   * extra GC asked for, so every walk spends the budget. Refused while the
   * budget is spent: `refused` says when the next is allowed.
   */
  walk<T>(wantGc: boolean, take: (gc: boolean) => T, crowded = false): { value: T; gc: GcNote } | { refused: GcNote } {
    if (!this.allow(crowded)) return { refused: this.note('skipped', 0, crowded) };
    let value: T;
    try {
      value = this.force(() => take(wantGc));
    } catch (err) {
      // Refused before any pause (it would not fit): nothing was spent but the token.
      if (err instanceof HeapWalkRefused && this.limited) this.tokens = Math.min(BURST, this.tokens + 1);
      throw err;
    }
    this.kept = undefined; // older than this walk's GC
    return { value, gc: this.note(wantGc ? 'forced' : 'off', 0, crowded) };
  }

  /** Tracing stopped or restarted: the kept snapshot is of another session. */
  forget(): void {
    this.kept = undefined;
  }

  /** Milliseconds until a forced GC is allowed. */
  private waitMs(now: number, crowded: boolean): number {
    this.refill(now);
    const spacing = this.lastEnd + (crowded ? CROWD_DUTY_FACTOR : DUTY_FACTOR) * this.lastPauseMs - now;
    // A crowd: one per CROWD_REFILL_MS since the last; one at a time: a token, or the next one earned.
    const rate = crowded ? this.lastEnd + CROWD_REFILL_MS - now
      : this.tokens > 0 ? 0 : this.refilledAt + REFILL_MS - now;
    return Math.max(0, spacing, rate);
  }

  private refill(now: number): void {
    const earned = Math.floor((now - this.refilledAt) / REFILL_MS);
    if (earned <= 0) return;
    this.tokens = Math.min(BURST, this.tokens + earned);
    // A full bucket banks no time; otherwise the next token counts from the last one earned.
    this.refilledAt = this.tokens === BURST ? now : this.refilledAt + earned * REFILL_MS;
  }

  private allow(crowded: boolean): boolean {
    if (!this.limited) return true;
    if (this.waitMs(this.now(), crowded) > 0) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  private force<T>(run: () => T): T {
    const t0 = this.now();
    const value = run();
    this.lastEnd = this.now();
    this.lastPauseMs = this.lastEnd - t0;
    this.forced += 1;
    return value;
  }

  private note(status: GcStatus, ageMs: number, crowded: boolean): GcNote {
    return { status, ageMs: Math.round(ageMs), forcedGcs: this.forced, nextGcInMs: Math.ceil(this.waitMs(this.now(), crowded)) };
  }
}
