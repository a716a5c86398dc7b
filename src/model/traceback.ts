// A sampled allocation's call stack.
import { Frame } from './frame';

export class Traceback {
  /** Frames leaf-first (most recent call first), builtins included. */
  readonly frames: readonly Frame[];
  private foldedFrames: readonly Frame[] | null = null;

  constructor(frames: readonly Frame[]) {
    this.frames = frames;
  }

  get length(): number {
    return this.frames.length;
  }

  /**
   * The frames that key statistics and filters: builtins folded into the
   * nearest caller with a script (they are dropped, so their allocations
   * count for that caller). A stack of builtins only keeps its leaf, so that
   * the sample still has a key.
   */
  get folded(): readonly Frame[] {
    if (!this.foldedFrames) {
      const kept = this.frames.filter((f) => !f.builtin);
      this.foldedFrames = kept.length > 0 || this.frames.length === 0 ? kept : [this.frames[0]];
    }
    return this.foldedFrames;
  }

  /** The most recent frame after folding builtins, or null for an empty stack. */
  get leaf(): Frame | null {
    const f = this.folded;
    return f.length > 0 ? f[0] : null;
  }

  toString(): string {
    return this.frames.map((f) => f.toString()).join('\n');
  }
}
