// The largest objects by retained size (pympler's largest dicts), each with
// its retaining path and a preview of its shape: property names and the
// types of their values. Values stay out unless asked for: a heap holds
// tokens, passwords and personal data.
import { HeapGraph } from './graph';
import { renderPath } from './retainers';

export interface LargeObject {
  /** Snapshot id (DevTools' @id). */
  id: number;
  /** Constructor name, or `name()` for a closure. */
  type: string;
  shallowSize: number;
  retainedSize: number;
  path: string;
  /** `Session { user: string, history: Array(9400) }`; values only with `values`. */
  preview: string;
}

const MAX_KEYS = 8;
const MAX_VALUE = 40;

function elementCount(g: HeapGraph, n: number): number {
  let count = 0;
  for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) if (g.edgeType(e) === 'element') count++;
  return count;
}

function valueText(g: HeapGraph, n: number, values: boolean): string {
  const type = g.type(n);
  if (g.isString(n)) {
    return values && type === 'string' ? JSON.stringify(g.name(n).slice(0, MAX_VALUE)) : 'string';
  }
  if (type === 'number') return values ? g.name(n) : 'number';
  if (type === 'closure') return `${g.name(n) || '(anonymous)'}()`;
  if (type === 'object') {
    const name = g.name(n);
    return name === 'Array' ? `Array(${elementCount(g, n)})` : name || 'Object';
  }
  return type;
}

/** `Session { user: string, history: Array(9400) }`. */
export function preview(g: HeapGraph, n: number, values: boolean): string {
  const name = g.name(n);
  if (g.type(n) === 'closure') return `${name || '(anonymous)'}()`;
  if (name === 'Array') return `Array(${elementCount(g, n)})`;
  const props: string[] = [];
  let more = 0;
  for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
    if (g.edgeType(e) !== 'property') continue;
    const key = String(g.edgeName(e));
    if (key === '__proto__' || key === 'constructor') continue;
    if (props.length >= MAX_KEYS) {
      more++;
      continue;
    }
    props.push(`${key}: ${valueText(g, g.edgeTo(e), values)}`);
  }
  if (more > 0) props.push(`… ${more} more`);
  return props.length > 0 ? `${name && name !== 'Object' ? `${name} ` : ''}{ ${props.join(', ')} }` : name || 'Object';
}

/** Objects a user would call theirs: not V8's internals ("system / ..."), not the global object. */
function isCandidate(g: HeapGraph, n: number): boolean {
  const type = g.type(n);
  if (type !== 'object' && type !== 'closure') return false;
  const name = g.name(n);
  return !name.startsWith('system /') && !name.startsWith('(') && name !== 'global' && name !== 'globalThis' && name !== 'Window';
}

/** The `top` objects holding the most (retained size), with path and preview. */
export function largestObjects(g: HeapGraph, top: number, values: boolean): LargeObject[] {
  const retained = g.retainedSizes();
  const parent = g.parentEdges();
  const best: number[] = [];
  for (let n = 1; n < g.nodeCount; n++) {
    if (best.length === top && retained[n] <= retained[best[best.length - 1]]) continue;
    if (parent[n] < 0 || !isCandidate(g, n)) continue;
    let at = best.length;
    while (at > 0 && retained[best[at - 1]] < retained[n]) at--;
    best.splice(at, 0, n);
    if (best.length > top) best.pop();
  }
  return best.map((n) => ({
    id: g.id(n),
    type: g.type(n) === 'closure' ? `${g.name(n) || '(anonymous)'}()` : g.name(n),
    shallowSize: g.selfSize(n),
    retainedSize: retained[n],
    path: renderPath(g, n) ?? '(unreachable)',
    preview: preview(g, n, values),
  }));
}
