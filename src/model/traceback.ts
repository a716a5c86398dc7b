// A sampled allocation's call stack.
import { Frame } from './frame';
import { scriptPath } from './paths';
import { sourceLine } from './source-lines';

export interface FormatOptions {
  /**
   * As tracemalloc's: N > 0 formats the N most recent frames, N < 0 the |N|
   * oldest; all when omitted.
   */
  limit?: number;
  /** Most recent frame first (default: oldest first, as Python prints tracebacks). */
  mostRecentFirst?: boolean;
}

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

  /**
   * tracemalloc's Traceback.format(): for each frame `  File "app.js", line
   * 12, in handle` and, when the file is readable, the source line under it,
   * stripped. The line is the function's definition line (V8 reports no
   * allocating line), hence the `in NAME` that Python's traceback module
   * also prints; builtins show as `File "<builtin>", line 0`.
   */
  format(options: FormatOptions = {}): string[] {
    const oldestFirst = [...this.frames].reverse();
    const { limit } = options;
    let frames = oldestFirst;
    if (limit !== undefined) {
      frames = limit > 0 ? oldestFirst.slice(-limit) : oldestFirst.slice(0, Math.abs(limit));
    }
    if (options.mostRecentFirst) frames = [...frames].reverse();
    const lines: string[] = [];
    for (const f of frames) {
      const file = f.builtin || f.file === '' ? '<builtin>' : scriptPath(f.file);
      lines.push(`  File "${file}", line ${f.builtin ? 0 : f.line}, in ${f.name}`);
      const source = f.builtin ? '' : sourceLine(f.file, f.line).trim();
      if (source !== '') lines.push(`    ${source}`);
    }
    return lines;
  }

  toString(): string {
    return this.frames.map((f) => f.toString()).join('\n');
  }
}
