// Admin requests run through one gate per process, so that no flood of them
// can take the event loop from the app: one job at a time, each on its own
// turn of the event loop (the app's I/O is served between two jobs), identical
// requests sharing one job, and a small bound on the jobs waiting.

export interface GateOptions {
  /** Jobs that may wait to start; a request beyond them is refused (503). */
  maxWaiting: number;
  /**
   * Milliseconds from the end of one job to the start of the next, so a
   * flood is answered at a bounded pace instead of at the loop's speed.
   */
  gapMs: number;
}

interface Entry {
  key: string;
  job: () => unknown;
  promise: Promise<unknown>;
  settle: (outcome: { value: unknown } | { error: unknown }) => void;
}

export class Gate {
  private readonly inFlight = new Map<string, Entry>();
  private readonly waiting: Entry[] = [];
  private running = false;
  private lastEnd = -Infinity;

  constructor(private readonly options: GateOptions) {}

  /**
   * The result of `job`, run when its turn comes; a request whose `key` is
   * already waiting or running gets that job's result instead. Undefined when
   * `maxWaiting` jobs already wait: the caller answers "busy".
   */
  submit<T>(key: string, job: () => T | Promise<T>): Promise<T> | undefined {
    const same = this.inFlight.get(key);
    if (same !== undefined) return same.promise as Promise<T>;
    if (this.waiting.length >= this.options.maxWaiting) return undefined;
    let settle!: Entry['settle'];
    const promise = new Promise<unknown>((resolve, reject) => {
      settle = (outcome) => ('error' in outcome ? reject(outcome.error) : resolve(outcome.value));
    });
    const entry: Entry = { key, job, promise, settle };
    this.inFlight.set(key, entry);
    this.waiting.push(entry);
    this.schedule();
    return promise as Promise<T>;
  }

  /** Jobs waiting to start (not the one running). */
  get waitingCount(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.running || this.waiting.length === 0) return;
    this.running = true;
    // setImmediate runs after the loop's I/O phase: requests (the app's and
    // ours) that arrived meanwhile are read first, and identical admin ones join.
    const start = (): void => { setImmediate(() => void this.runNext()).unref(); };
    const wait = this.lastEnd + this.options.gapMs - performance.now();
    if (wait > 0) setTimeout(start, wait).unref();
    else start();
  }

  private async runNext(): Promise<void> {
    const entry = this.waiting.shift();
    if (entry === undefined) {
      this.running = false;
      return;
    }
    let outcome: { value: unknown } | { error: unknown };
    try {
      outcome = { value: await entry.job() };
    } catch (error) {
      outcome = { error };
    }
    // Later identical requests get a new job: they asked after this answer was made.
    this.inFlight.delete(entry.key);
    entry.settle(outcome);
    this.lastEnd = performance.now();
    this.running = false;
    this.schedule();
  }
}
