// The samples live now in the segment being read, by sample id: what a free
// (or a rotated file's restated live set) is matched against. Only the live
// set is held, never every sample of the file: memory follows the live set.
// Writers give ids in increasing order, so the live samples are kept sorted
// by appending, found by binary search, and freed ones are left as holes
// until they outnumber the live ones. A writer that breaks the order makes
// the rest of the segment use a Map from id to slot instead.

export class LiveSamples {
  ids: Float64Array = new Float64Array(1024);
  stack: Uint32Array = new Uint32Array(1024);
  size: Uint32Array = new Uint32Array(1024);
  objects: Uint32Array = new Uint32Array(1024);
  born: Uint32Array = new Uint32Array(1024);
  dead: Uint8Array = new Uint8Array(1024);
  /** Slots in use (live or holes). */
  slots = 0;
  /** Live samples. */
  live = 0;
  private byId: Map<number, number> | null = null;

  add(id: number, stack: number, size: number, objects: number, born: number): void {
    if (this.slots > 0 && id <= this.ids[this.slots - 1] && !this.byId) {
      // Out of order: index the segment's live samples by id from now on.
      this.byId = new Map();
      for (let s = 0; s < this.slots; s++) if (!this.dead[s]) this.byId.set(this.ids[s], s);
    }
    if (this.slots === this.ids.length) this.grow();
    const s = this.slots++;
    this.ids[s] = id;
    this.stack[s] = stack;
    this.size[s] = size;
    this.objects[s] = objects;
    this.born[s] = born;
    this.dead[s] = 0;
    this.live++;
    if (this.byId) {
      // A sample id given twice while live: the newer one is the one found (the older stays live).
      this.byId.set(id, s);
    }
  }

  /** The slot of live sample `id` at or after slot `from` (ids are searched in order), or -1. */
  find(id: number, from = 0): number {
    if (this.byId) return this.byId.get(id) ?? -1;
    const ids = this.ids;
    const last = this.slots - 1;
    // Galloping from `from`: successive frees of a batch are usually close together.
    let a = from;
    let step = 1;
    while (a + step <= last && ids[a + step] < id) {
      a += step;
      step *= 2;
    }
    let z = Math.min(a + step, last);
    while (a <= z) {
      const mid = (a + z) >>> 1;
      const v = ids[mid];
      if (v < id) a = mid + 1;
      else if (v > id) z = mid - 1;
      else return this.dead[mid] ? -1 : mid;
    }
    return -1;
  }

  /** Marks a live slot freed. */
  remove(slot: number): void {
    this.dead[slot] = 1;
    this.live--;
    if (this.byId) this.byId.delete(this.ids[slot]);
  }

  /** Drops the holes once they outnumber the live samples (slots change: only between batches). */
  compact(): void {
    const holes = this.slots - this.live;
    if (holes < 4096 || holes < this.live) return;
    let w = 0;
    for (let s = 0; s < this.slots; s++) {
      if (this.dead[s]) continue;
      this.ids[w] = this.ids[s];
      this.stack[w] = this.stack[s];
      this.size[w] = this.size[s];
      this.objects[w] = this.objects[s];
      this.born[w] = this.born[s];
      this.dead[w] = 0;
      w++;
    }
    this.slots = w;
    if (this.byId) {
      this.byId.clear();
      for (let s = 0; s < w; s++) this.byId.set(this.ids[s], s);
    }
  }

  /** Forgets every sample (a new session's ids start again). */
  clear(): void {
    this.slots = 0;
    this.live = 0;
    this.byId = null;
  }

  private grow(): void {
    const n = this.ids.length * 2;
    const f64 = (a: Float64Array): Float64Array => { const b = new Float64Array(n); b.set(a); return b; };
    const u32 = (a: Uint32Array): Uint32Array => { const b = new Uint32Array(n); b.set(a); return b; };
    this.ids = f64(this.ids);
    this.stack = u32(this.stack);
    this.size = u32(this.size);
    this.objects = u32(this.objects);
    this.born = u32(this.born);
    const d = new Uint8Array(n);
    d.set(this.dead);
    this.dead = d;
  }
}
