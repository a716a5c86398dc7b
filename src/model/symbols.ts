// Interned frames and stacks shared by the samples of one or more traces.
// Trace files number strings, frames and stacks per segment; the loader maps
// them here, deduplicated by content, so that equal frames are the same id
// everywhere and snapshots of several files can be merged and compared.
import { Frame } from './frame';
import { Traceback } from './traceback';

export class SymbolTable {
  /** Index = frame id; id 0 is unused. */
  private readonly frames: Frame[] = [new Frame('', '', 0, 0, true)];
  private readonly frameIds = new Map<string, number>();
  /** Index = stack id; stack 0 is the empty stack. */
  private readonly stacks: Uint32Array[] = [new Uint32Array(0)];
  private readonly stackIds = new Map<string, number>();
  private readonly tracebacks: (Traceback | undefined)[] = [];

  get stackCount(): number {
    return this.stacks.length;
  }

  internFrame(frame: Frame): number {
    const key = frame.id;
    let id = this.frameIds.get(key);
    if (id === undefined) {
      id = this.frames.length;
      this.frames.push(frame);
      this.frameIds.set(key, id);
    }
    return id;
  }

  /** frameIds: ids from this table, leaf-first. */
  internStack(frameIds: ArrayLike<number>): number {
    const key = Array.prototype.join.call(frameIds, ',');
    let id = this.stackIds.get(key);
    if (id === undefined) {
      id = this.stacks.length;
      this.stacks.push(Uint32Array.from(frameIds));
      this.stackIds.set(key, id);
    }
    return id;
  }

  internTraceback(traceback: Traceback): number {
    return this.internStack(traceback.frames.map((f) => this.internFrame(f)));
  }

  frame(id: number): Frame {
    return this.frames[id];
  }

  stackFrames(id: number): Uint32Array {
    return this.stacks[id];
  }

  traceback(stackId: number): Traceback {
    let tb = this.tracebacks[stackId];
    if (!tb) {
      tb = new Traceback(Array.from(this.stacks[stackId], (f) => this.frames[f]));
      this.tracebacks[stackId] = tb;
    }
    return tb;
  }

  /**
   * A table with the same stack ids whose frames are `map(frame)`: how
   * original positions (source maps) replace generated ones after loading,
   * while every column that holds stack ids stays valid.
   */
  mapFrames(map: (frame: Frame) => Frame): SymbolTable {
    const out = new SymbolTable();
    const frameIds = new Uint32Array(this.frames.length);
    for (let f = 1; f < this.frames.length; f++) frameIds[f] = out.internFrame(map(this.frames[f]));
    for (let s = 1; s < this.stacks.length; s++) {
      const frames = Uint32Array.from(this.stacks[s], (f) => frameIds[f]);
      const key = frames.join(',');
      out.stacks.push(frames);
      // Two stacks may now read the same; interning later finds the first.
      if (!out.stackIds.has(key)) out.stackIds.set(key, s);
    }
    return out;
  }
}
