// Admin requests run through one gate per process, so that no flood of them
// can take the event loop from the app: one job at a time, each on its own
// turn of the event loop (the app's I/O is served between two jobs), identical
// requests sharing one job, a small bound on the jobs waiting, answers handed
// out a few per turn, and a pause between the end of one job's answers and the
// next job, so a flood is answered at a bounded pace rather than the loop's.

export interface GateOptions {
  /** Jobs that may wait to start; a request beyond them is refused (503). */
  maxWaiting: number;
  /** Milliseconds from the last answer of one job to the start of the next. */
  gapMs: number;
  /** Answers handed out per turn of the event loop. */
  answersPerTurn: number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
type Deliver<T> = (outcome: Outcome<T>) => void;

interface Entry {
  key: string;
  job: () => unknown;
  waiters: Deliver<unknown>[];
}

// Immediates stay ref'd: an unref'd one lets the loop block in its poll phase
// until some other event (the next timer, possibly seconds away). They hold
// the loop one turn at most; only the gap timer is unref'd.
const nextTurn = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve); });

export class Gate {
  private readonly inFlight = new Map<string, Entry>();
  private readonly waiting: Entry[] = [];
  private running = false;
  private lastEnd = -Infinity;

  constructor(private readonly options: GateOptions) {}

  /**
   * Runs `job` when its turn comes and hands its outcome to `deliver`; a
   * request whose `key` is already waiting or running gets that job's outcome
   * instead. False (and `deliver` is never called) when `maxWaiting` jobs
   * already wait: the caller answers "busy".
   */
  submit<T>(key: string, job: () => T | Promise<T>, deliver: Deliver<T>): boolean {
    const same = this.inFlight.get(key);
    if (same !== undefined) {
      same.waiters.push(deliver as Deliver<unknown>);
      return true;
    }
    if (this.waiting.length >= this.options.maxWaiting) return false;
    const entry: Entry = { key, job, waiters: [deliver as Deliver<unknown>] };
    this.inFlight.set(key, entry);
    this.waiting.push(entry);
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.running || this.waiting.length === 0) return;
    this.running = true;
    // setImmediate runs after the loop's I/O phase: requests (the app's and
    // ours) that arrived meanwhile are read first, and identical admin ones join.
    const start = (): void => { setImmediate(() => void this.runNext()); };
    const wait = this.lastEnd + this.options.gapMs - performance.now();
    if (wait > 0) setTimeout(start, wait).unref();
    else start();
  }

  private async runNext(): Promise<void> {
    const entry = this.waiting.shift();
    if (entry !== undefined) {
      let outcome: Outcome<unknown>;
      try {
        outcome = { ok: true, value: await entry.job() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      // Later identical requests get a new job: they asked after this answer was made.
      this.inFlight.delete(entry.key);
      const { waiters } = entry;
      for (let i = 0; i < waiters.length; i += this.options.answersPerTurn) {
        if (i > 0) await nextTurn();
        for (const deliver of waiters.slice(i, i + this.options.answersPerTurn)) {
          try {
            deliver(outcome);
          } catch {
            // One waiter's failure is not the others'.
          }
        }
      }
      this.lastEnd = performance.now();
    }
    this.running = false;
    this.schedule();
  }
}
