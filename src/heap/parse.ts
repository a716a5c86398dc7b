// Reads a V8 heap snapshot (.heapsnapshot: what v8.writeHeapSnapshot(),
// --heapsnapshot-near-heap-limit and DevTools write) straight into typed
// arrays, in chunks: the big integer arrays (nodes, edges) never become JS
// arrays or objects, so memory follows the graph's size, not the JSON's.
// Only the small `snapshot` meta object and the strings go through JSON.parse.
import * as fs from 'node:fs';

export interface HeapSnapshotMeta {
  node_fields: string[];
  node_types: (string[] | string)[];
  edge_fields: string[];
  edge_types: (string[] | string)[];
}

export interface HeapSnapshotData {
  meta: HeapSnapshotMeta;
  nodeCount: number;
  edgeCount: number;
  /** node_fields.length numbers per node. */
  nodes: Uint32Array;
  /** edge_fields.length numbers per edge; to_node is an index into `nodes`. */
  edges: Uint32Array;
  strings: string[];
  /** With allocation tracking: trace_function_info_fields per function (names are string indexes). */
  traceFunctionInfos: number[];
  /** With allocation tracking: the allocation-stack tree, nested as V8 writes it. */
  traceTree: unknown[];
  bytes: number;
}

/** Not a heap snapshot, or one cut short: the message names the byte offset. */
export class HeapSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeapSnapshotError';
  }
}

const CHUNK = 1 << 20;

class Cursor {
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private len = 0;
  private pos = 0;
  /** File offset of buf[0]. */
  private base = 0;
  constructor(private readonly fd: number, readonly size: number, private readonly onProgress?: (done: number, total: number) => void) {}

  get offset(): number {
    return this.base + this.pos;
  }

  /** The next byte without taking it; -1 at the end. */
  peek(): number {
    if (this.pos >= this.len) this.fill();
    return this.pos < this.len ? this.buf[this.pos] : -1;
  }

  next(): number {
    const c = this.peek();
    if (c >= 0) this.pos++;
    return c;
  }

  private fill(): void {
    this.base += this.len;
    this.len = fs.readSync(this.fd, this.buf, 0, CHUNK, this.base);
    this.pos = 0;
    this.onProgress?.(this.base, this.size);
  }

  skipSpace(): number {
    let c = this.peek();
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      this.pos++;
      c = this.peek();
    }
    return c;
  }

  expect(ch: string): void {
    const c = this.skipSpace();
    if (c !== ch.charCodeAt(0)) throw new HeapSnapshotError(`not a heap snapshot: expected "${ch}" at byte ${this.offset}`);
    this.pos++;
  }

  /** A JSON string token's text (quotes included), for JSON.parse. */
  stringToken(): string {
    if (this.skipSpace() !== 0x22) throw new HeapSnapshotError(`not a heap snapshot: expected a string at byte ${this.offset}`);
    const parts: Buffer[] = [];
    let start = this.pos;
    this.pos++;
    for (;;) {
      if (this.pos >= this.len) {
        parts.push(Buffer.from(this.buf.subarray(start, this.len)));
        this.fill();
        start = 0;
        if (this.len === 0) throw new HeapSnapshotError(`heap snapshot cut short inside a string at byte ${this.offset}`);
        continue;
      }
      const c = this.buf[this.pos++];
      if (c === 0x5c) {
        if (this.pos >= this.len) {
          parts.push(Buffer.from(this.buf.subarray(start, this.len)));
          this.fill();
          start = 0;
        }
        this.pos++;
      } else if (c === 0x22) {
        parts.push(Buffer.from(this.buf.subarray(start, this.pos)));
        return Buffer.concat(parts).toString('utf8');
      }
    }
  }

  /** A whole JSON value's text (object or array, strings respected), for small values. */
  rawValue(): string {
    const first = this.skipSpace();
    if (first !== 0x7b && first !== 0x5b) return this.scalarText();
    const out: Buffer[] = [];
    let depth = 0;
    let inString = false;
    let start = this.pos;
    for (;;) {
      if (this.pos >= this.len) {
        out.push(Buffer.from(this.buf.subarray(start, this.len)));
        this.fill();
        start = 0;
        if (this.len === 0) throw new HeapSnapshotError(`heap snapshot cut short at byte ${this.offset}`);
        continue;
      }
      const c = this.buf[this.pos++];
      if (inString) {
        if (c === 0x5c) this.pos++;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) {
          out.push(Buffer.from(this.buf.subarray(start, this.pos)));
          return Buffer.concat(out).toString('utf8');
        }
      }
    }
  }

  private scalarText(): string {
    let s = '';
    for (let c = this.peek(); c >= 0 && c !== 0x2c && c !== 0x7d && c !== 0x5d; c = this.peek()) {
      s += String.fromCharCode(c);
      this.pos++;
    }
    return s.trim();
  }

  /** A flat array of non-negative integers into `into` (grown when the meta's count was short). */
  intArray(into: Uint32Array): Uint32Array {
    this.expect('[');
    let n = 0;
    let out = into;
    for (;;) {
      let c = this.skipSpace();
      if (c === 0x5d) {
        this.pos++;
        return out.subarray(0, n);
      }
      if (c === 0x2c) {
        this.pos++;
        c = this.skipSpace();
      }
      if (c < 0x30 || c > 0x39) {
        if (c === 0x5d) continue;
        throw new HeapSnapshotError(`heap snapshot: expected a number at byte ${this.offset}`);
      }
      let v = 0;
      while (c >= 0x30 && c <= 0x39) {
        v = v * 10 + (c - 0x30);
        this.pos++;
        c = this.pos < this.len ? this.buf[this.pos] : this.peek();
      }
      if (n >= out.length) {
        const grown = new Uint32Array(Math.max(16, out.length * 2));
        grown.set(out);
        out = grown;
      }
      out[n++] = v;
    }
  }

  stringArray(): string[] {
    this.expect('[');
    const out: string[] = [];
    for (;;) {
      const c = this.skipSpace();
      if (c === 0x5d) {
        this.pos++;
        return out;
      }
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      out.push(JSON.parse(this.stringToken()) as string);
    }
  }
}

/** Reads a .heapsnapshot file; throws HeapSnapshotError for anything else. */
export function readHeapSnapshot(file: string, onProgress?: (done: number, total: number) => void): HeapSnapshotData {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const cur = new Cursor(fd, size, onProgress);
    cur.expect('{');
    let meta: HeapSnapshotMeta | null = null;
    let nodeCount = 0;
    let edgeCount = 0;
    let nodes: Uint32Array | null = null;
    let edges: Uint32Array | null = null;
    let strings: string[] | null = null;
    let traceFunctionInfos: number[] = [];
    let traceTree: unknown[] = [];
    for (;;) {
      const c = cur.skipSpace();
      if (c === 0x7d || c < 0) break;
      if (c === 0x2c) {
        cur.next();
        continue;
      }
      const key = JSON.parse(cur.stringToken()) as string;
      cur.expect(':');
      if (key === 'snapshot') {
        const snap = JSON.parse(cur.rawValue()) as { meta: HeapSnapshotMeta; node_count: number; edge_count: number };
        meta = snap.meta;
        nodeCount = snap.node_count;
        edgeCount = snap.edge_count;
      } else if (key === 'nodes' || key === 'edges') {
        if (!meta) throw new HeapSnapshotError(`heap snapshot: "${key}" before "snapshot" at byte ${cur.offset}`);
        const width = key === 'nodes' ? meta.node_fields.length : meta.edge_fields.length;
        const arr = cur.intArray(new Uint32Array((key === 'nodes' ? nodeCount : edgeCount) * width));
        if (key === 'nodes') nodes = arr;
        else edges = arr;
      } else if (key === 'strings') {
        strings = cur.stringArray();
      } else if (key === 'trace_function_infos') {
        // Small (one entry per allocating function) but may hold -1: plain JSON.
        traceFunctionInfos = JSON.parse(cur.rawValue()) as number[];
      } else if (key === 'trace_tree') {
        traceTree = JSON.parse(cur.rawValue()) as unknown[];
      } else {
        cur.rawValue();
      }
    }
    if (!meta || !nodes || !edges || !strings) {
      throw new HeapSnapshotError(`${file}: not a heap snapshot (no ${!meta ? 'snapshot meta' : !nodes ? 'nodes' : !edges ? 'edges' : 'strings'}; read ${cur.offset} bytes)`);
    }
    return {
      meta, nodeCount: nodes.length / meta.node_fields.length, edgeCount: edges.length / meta.edge_fields.length,
      nodes, edges, strings, traceFunctionInfos, traceTree, bytes: size,
    };
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether a file looks like a heap snapshot (its JSON starts with the snapshot meta). */
export function isHeapSnapshot(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(64);
      const n = fs.readSync(fd, head, 0, 64, 0);
      return /^\s*\{\s*"snapshot"\s*:/.test(head.subarray(0, n).toString('utf8'));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}
