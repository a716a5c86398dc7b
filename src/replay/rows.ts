// The replay's rows: samples with the same stack, size, batch they appeared
// in and batch they went away in answer every query alike, so they share one
// row with a count. A row is written when its samples' story is complete
// (when they are freed, or at the end for those still live), so identical
// samples are found among the ones freed by the same batch: a hash table over
// (stack, size, born) whose entries are the rows written since that batch
// began. Churning programs repeat the same sites and sizes all the time:
// 21 M samples of a 100 MB trace make ~20 k rows (24 B each).
import { U32Column } from './columns';

export class RowWriter {
  readonly stack = new U32Column(1 << 12);
  readonly size = new U32Column(1 << 12);
  readonly objects = new U32Column(1 << 12);
  readonly born = new U32Column(1 << 12);
  readonly freed = new U32Column(1 << 12);
  readonly samples = new U32Column(1 << 12);
  // Open addressing: row + 1 per slot, 0 for empty; only rows from groupStart on count.
  private table = new Uint32Array(1 << 10);
  private groupFreed = -1;
  private groupStart = 0;

  get rows(): number {
    return this.stack.length;
  }

  /** Counts one sample freed in batch `freed` (or NEVER_FREED), merged with an identical one. */
  add(stack: number, size: number, objects: number, born: number, freed: number): void {
    if (freed !== this.groupFreed) this.startGroup(freed);
    const table = this.table;
    const mask = table.length - 1;
    const st = this.stack.data;
    const sz = this.size.data;
    const bo = this.born.data;
    for (let h = hash(stack, size, born) & mask; ; h = (h + 1) & mask) {
      const e = table[h];
      if (e === 0 || e - 1 < this.groupStart) {
        const row = this.rows;
        table[h] = row + 1;
        this.stack.push(stack);
        this.size.push(size);
        this.objects.push(objects);
        this.born.push(born);
        this.freed.push(freed);
        this.samples.push(1);
        if ((row + 1 - this.groupStart) * 2 > table.length) this.resize(table.length * 2);
        return;
      }
      const r = e - 1;
      if (st[r] === stack && sz[r] === size && bo[r] === born) {
        this.samples.data[r]++;
        return;
      }
    }
  }

  private startGroup(freed: number): void {
    this.groupFreed = freed;
    this.groupStart = this.rows;
    // Entries below groupStart read as empty: the table is reused as is,
    // shrunk when the last group was big.
    if (this.table.length > 1 << 10) this.table = new Uint32Array(1 << 10);
  }

  private resize(length: number): void {
    const table = new Uint32Array(length);
    const mask = length - 1;
    const st = this.stack.data;
    const sz = this.size.data;
    const bo = this.born.data;
    for (let r = this.groupStart; r < this.rows; r++) {
      let h = hash(st[r], sz[r], bo[r]) & mask;
      while (table[h] !== 0) h = (h + 1) & mask;
      table[h] = r + 1;
    }
    this.table = table;
  }
}

function hash(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}
