// A heap snapshot's graph over its typed arrays: nodes, their outgoing
// edges, and for each node the edge that first reaches it in a breadth-first
// walk from the root over strong edges (weak ones do not keep anything
// alive): the shortest retaining path, as DevTools' "distance" follows it.
import type { CensusEntry } from '../model/census';
import { HeapSnapshotData } from './parse';

/** V8's kinds of string node: flat, and the pieces of one built by `+` (concatenated) or cut from another (sliced). */
const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

/** GC roots that hold things only for the moment (see parentEdges). */
const TRANSIENT_ROOTS = new Set(['(Handle scope)', '(Strong roots)', '(Identity map)', '(Stack roots)', '(Relocatable)', 'C++ native stack roots']);

export class HeapGraph {
  readonly nodeCount: number;
  private readonly nf: number;
  private readonly ef: number;
  private readonly typeOf: number;
  private readonly nameOf: number;
  private readonly idOf: number;
  private readonly sizeOf: number;
  private readonly edgeCountOf: number;
  private readonly traceOf: number;
  private readonly edgeTypeOf: number;
  private readonly edgeNameOf: number;
  private readonly edgeToOf: number;
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];
  /** Index of each node's first edge. */
  readonly firstEdge: Uint32Array;
  private parents: Int32Array | null = null;

  constructor(readonly data: HeapSnapshotData) {
    const m = data.meta;
    this.nf = m.node_fields.length;
    this.ef = m.edge_fields.length;
    this.typeOf = m.node_fields.indexOf('type');
    this.nameOf = m.node_fields.indexOf('name');
    this.idOf = m.node_fields.indexOf('id');
    this.sizeOf = m.node_fields.indexOf('self_size');
    this.edgeCountOf = m.node_fields.indexOf('edge_count');
    this.traceOf = m.node_fields.indexOf('trace_node_id');
    this.edgeTypeOf = m.edge_fields.indexOf('type');
    this.edgeNameOf = m.edge_fields.indexOf('name_or_index');
    this.edgeToOf = m.edge_fields.indexOf('to_node');
    this.nodeTypes = m.node_types[0] as string[];
    this.edgeTypes = m.edge_types[0] as string[];
    this.nodeCount = data.nodeCount;
    this.firstEdge = new Uint32Array(this.nodeCount + 1);
    for (let n = 0, e = 0; n < this.nodeCount; n++) {
      this.firstEdge[n] = e;
      e += data.nodes[n * this.nf + this.edgeCountOf];
      this.firstEdge[n + 1] = e;
    }
  }

  type(n: number): string {
    return this.nodeTypes[this.data.nodes[n * this.nf + this.typeOf]] ?? 'unknown';
  }

  name(n: number): string {
    return this.data.strings[this.data.nodes[n * this.nf + this.nameOf]] ?? '';
  }

  id(n: number): number {
    return this.data.nodes[n * this.nf + this.idOf];
  }

  /** The allocation trace node of an object allocated while tracking was on; 0 otherwise. */
  traceNodeId(n: number): number {
    return this.traceOf < 0 ? 0 : this.data.nodes[n * this.nf + this.traceOf];
  }

  selfSize(n: number): number {
    return this.data.nodes[n * this.nf + this.sizeOf];
  }

  edgeType(e: number): string {
    return this.edgeTypes[this.data.edges[e * this.ef + this.edgeTypeOf]] ?? 'unknown';
  }

  /** A property's or variable's name, or an element's index. */
  edgeName(e: number): string | number {
    const v = this.data.edges[e * this.ef + this.edgeNameOf];
    const t = this.edgeType(e);
    return t === 'element' || t === 'hidden' ? v : this.data.strings[v] ?? String(v);
  }

  edgeTo(e: number): number {
    return this.data.edges[e * this.ef + this.edgeToOf] / this.nf;
  }

  /** The edge that first reaches each node from the root over strong edges (-1: the root, or unreachable). */
  parentEdges(): Int32Array {
    if (this.parents) return this.parents;
    const parent = new Int32Array(this.nodeCount).fill(-1);
    const seen = new Uint8Array(this.nodeCount);
    const queue = new Uint32Array(this.nodeCount);
    let head = 0;
    let tail = 0;
    seen[0] = 1;
    queue[tail++] = 0;
    const weak = this.edgeTypes.indexOf('weak');
    // A shortcut is a view DevTools adds (a global's properties from the root), not a reference.
    const shortcut = this.edgeTypes.indexOf('shortcut');
    // Handles and stack slots of the moment the snapshot was taken (the
    // code taking it, a C++ handle) and V8's own strong roots and identity
    // maps (seen holding a module's list, and on Node 26 the registry Map
    // of test/heap.test.js in one run of many) also reach long-lived
    // objects, often by a shorter path: reach what they hold only after
    // everything else, so a path names the program's holder.
    const deferred: number[] = [];
    let deferring = true;
    for (;;) {
      while (head < tail) {
        const n = queue[head++];
        for (let e = this.firstEdge[n]; e < this.firstEdge[n + 1]; e++) {
          const t = this.data.edges[e * this.ef + this.edgeTypeOf];
          if (t === weak || t === shortcut) continue;
          const to = this.edgeTo(e);
          if (seen[to]) continue;
          seen[to] = 1;
          parent[to] = e;
          if (deferring && this.type(to) === 'synthetic' && TRANSIENT_ROOTS.has(this.name(to))) deferred.push(to);
          else queue[tail++] = to;
        }
      }
      if (!deferring || deferred.length === 0) break;
      deferring = false;
      for (const d of deferred) queue[tail++] = d;
    }
    // Each edge's source node, for walking back up.
    this.edgeSource = new Uint32Array(this.data.edgeCount);
    for (let n = 0; n < this.nodeCount; n++) for (let e = this.firstEdge[n]; e < this.firstEdge[n + 1]; e++) this.edgeSource[e] = n;
    this.parents = parent;
    return parent;
  }

  private edgeSource: Uint32Array | null = null;

  /** The node an edge comes from (after parentEdges()). */
  edgeFrom(e: number): number {
    if (!this.edgeSource) this.parentEdges();
    return (this.edgeSource as Uint32Array)[e];
  }

  private dominators: Float64Array | null = null;

  /**
   * Retained sizes: what would be freed with each node, from the dominator
   * tree over strong edges (Cooper, Harvey and Kennedy's iterative algorithm
   * on a depth-first postorder). Nodes the root does not reach count for the root.
   */
  retainedSizes(): Float64Array {
    if (this.dominators) return this.dominators;
    const n = this.nodeCount;
    const NONE = 0xffffffff;
    const weak = this.edgeTypes.indexOf('weak');
    const shortcut = this.edgeTypes.indexOf('shortcut');
    const strong = (from: number, e: number): boolean => {
      const t = this.data.edges[e * this.ef + this.edgeTypeOf];
      return t !== weak && (t !== shortcut || from === 0);
    };
    const post = new Uint32Array(n).fill(NONE);
    const order = new Uint32Array(n);
    const stackNode = new Uint32Array(n);
    const stackEdge = new Uint32Array(n);
    const seen = new Uint8Array(n);
    let count = 0;
    let sp = 1;
    stackNode[0] = 0;
    stackEdge[0] = this.firstEdge[0];
    seen[0] = 1;
    while (sp > 0) {
      const v = stackNode[sp - 1];
      const e = stackEdge[sp - 1];
      if (e < this.firstEdge[v + 1]) {
        stackEdge[sp - 1] = e + 1;
        const to = this.edgeTo(e);
        if (!seen[to] && strong(v, e)) {
          seen[to] = 1;
          stackNode[sp] = to;
          stackEdge[sp] = this.firstEdge[to];
          sp++;
        }
      } else {
        post[v] = count;
        order[count++] = v;
        sp--;
      }
    }
    // Who points at each node (CSR of incoming edges).
    const start = new Uint32Array(n + 1);
    for (let e = 0; e < this.data.edgeCount; e++) start[this.edgeTo(e) + 1]++;
    for (let v = 0; v < n; v++) start[v + 1] += start[v];
    const fill = start.slice(0, n);
    const fromNode = new Uint32Array(this.data.edgeCount);
    const viaEdge = new Uint32Array(this.data.edgeCount);
    for (let v = 0; v < n; v++) {
      for (let e = this.firstEdge[v]; e < this.firstEdge[v + 1]; e++) {
        const at = fill[this.edgeTo(e)]++;
        fromNode[at] = v;
        viaEdge[at] = e;
      }
    }
    const idom = new Uint32Array(n).fill(NONE);
    idom[0] = 0;
    const intersect = (a: number, b: number): number => {
      while (a !== b) {
        while (post[a] < post[b]) a = idom[a];
        while (post[b] < post[a]) b = idom[b];
      }
      return a;
    };
    for (let changed = true; changed;) {
      changed = false;
      for (let i = count - 2; i >= 0; i--) {
        const v = order[i];
        let best = NONE;
        for (let k = start[v]; k < start[v + 1]; k++) {
          const p = fromNode[k];
          if (post[p] === NONE || idom[p] === NONE || !strong(p, viaEdge[k])) continue;
          best = best === NONE ? p : intersect(p, best);
        }
        if (best !== NONE && idom[v] !== best) {
          idom[v] = best;
          changed = true;
        }
      }
    }
    const retained = new Float64Array(n);
    for (let v = 0; v < n; v++) retained[v] = this.selfSize(v);
    for (let i = 0; i < count - 1; i++) {
      const v = order[i];
      if (idom[v] !== NONE) retained[idom[v]] += retained[v];
    }
    for (let v = 0; v < n; v++) if (post[v] === NONE) retained[0] += this.selfSize(v);
    this.dominators = retained;
    return retained;
  }

  /** Counts and shallow sizes by node type and name (objects by constructor). */
  /** Whether node `n` is a string or a piece of one. */
  isString(n: number): boolean {
    return STRING_TYPES.has(this.type(n));
  }

  census(): CensusEntry[] {
    const byKey = new Map<string, CensusEntry>();
    for (let n = 0; n < this.nodeCount; n++) {
      const type = this.type(n);
      // Strings and code are named by their content: count them by type.
      const raw = this.name(n);
      const name = STRING_TYPES.has(type) || type === 'number' ? `(${type})`
        // Compiled code is named by its function: one kind, as the addon's census counts it.
        : type === 'code' && !raw.startsWith('system / ') && !raw.startsWith('(') ? '(compiled code)' : raw;
      const key = `${type}\0${name}`;
      const e = byKey.get(key) ?? { type, name, count: 0, size: 0 };
      e.count++;
      e.size += this.selfSize(n);
      byKey.set(key, e);
    }
    return [...byKey.values()].sort((a, b) => b.size - a.size);
  }
}
