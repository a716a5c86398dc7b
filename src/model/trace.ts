// One live sampled allocation.
import { Traceback } from './traceback';

export class Trace {
  constructor(
    readonly traceback: Traceback,
    /** The sampled object's size in bytes. */
    readonly sampleSize: number,
    /** Objects this sample stands for (V8's unsampling formula). */
    readonly count: number,
  ) {}

  /** Estimated bytes: sampleSize × count. */
  get size(): number {
    return this.sampleSize * this.count;
  }
}
