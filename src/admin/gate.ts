// Admin requests run through one gate per process, so that no flood of them
// can take the event loop from the app: one job at a time, each on its own
// turn of the event loop (the app's I/O is served between two jobs), identical
// requests sharing one job, a small bound on the jobs waiting, and answers
// handed out a few per turn at a bounded rate, with a pause between the last
// answer of one job and the next job. A client that asks again when answered
// then asks at that rate too: a flood costs the app a bounded share of its time.

export interface GateOptions {
  /** Jobs that may wait to start; a request beyond them is refused (503). */
  maxWaiting: number;
  /** Milliseconds from the last answer of one job to the start of the next. */
  gapMs: number;
  /** Answers handed out per turn of the event loop. */
  answersPerTurn: number;
  /** Answers handed out per second at most, over all jobs. */
  answersPerSecond: number;
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
// the loop one turn at most; timers are unref'd (they still wake the loop).
const nextTurn = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve); });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms).unref(); });

export class Gate {
  private readonly inFlight = new Map<string, Entry>();
  private readonly waiting: Entry[] = [];
  private running = false;
  private current: Entry | undefined;
  private lastEnd = -Infinity;
  /** When the answer budget allows the next answers. */
  private nextAnswerAt = -Infinity;

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

  /** Whether the job running now is wanted by more than one request, or others wait behind it. */
  get crowded(): boolean {
    return (this.current !== undefined && this.current.waiters.length > 1) || this.waiting.length > 0;
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
      this.current = entry;
      try {
        outcome = { ok: true, value: await entry.job() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      this.current = undefined;
      // Later identical requests get a new job: they asked after this answer was made.
      this.inFlight.delete(entry.key);
      const { waiters } = entry;
      for (let i = 0; i < waiters.length; i += this.options.answersPerTurn) {
        const chunk = waiters.slice(i, i + this.options.answersPerTurn);
        await this.answerBudget(chunk.length, i > 0);
        for (const deliver of chunk) {
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

  /** Waits until `count` more answers fit the rate (and, when `newTurn`, for the next turn at least). */
  private async answerBudget(count: number, newTurn: boolean): Promise<void> {
    const wait = this.nextAnswerAt - performance.now();
    if (wait > 0) await sleep(wait);
    else if (newTurn) await nextTurn();
    this.nextAnswerAt = Math.max(performance.now(), this.nextAnswerAt) + (count * 1000) / this.options.answersPerSecond;
  }
}
