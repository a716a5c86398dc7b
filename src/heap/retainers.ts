// Who holds the instances of a type: each one's shortest retaining path from
// the GC roots, written as the program names things (`registry Map → value
// Session → .history Array → [i] Visit`), and identical paths clustered into
// one line with a count and their shallow bytes, so a million list entries
// held by one list are one answer (memlab clusters the same way).
import { Census, censusGrowth } from '../model/census';
import type { RetainerCluster, RetainersResult } from '../model/findings';
import { allocationSites, hasAllocationTraces, siteMatcher } from './allocation-sites';
import { HeapGraph } from './graph';

export type { RetainerCluster, RetainersResult } from '../model/findings';

/** JavaScript's own constructors: not the type a leak is named by when none is given. */
const BUILTIN = new Set(['Object', 'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Promise', 'Error', 'RegExp', 'Date',
  'Function', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array',
  'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Uint8ClampedArray', 'Buffer', 'String', 'Number',
  'Boolean', 'Symbol', 'Arguments', 'Generator', 'AsyncFunction', 'Proxy', 'FinalizationRegistry', 'global', 'Window', 'Module',
  'EventEmitter', 'URL', 'TextDecoder', 'TextEncoder', 'AbortController', 'AbortSignal']);

/** Object types by count, largest first: [name, count, shallow bytes]. */
export function objectTypes(g: HeapGraph): [string, number, number][] {
  const by = new Map<string, [string, number, number]>();
  for (let n = 0; n < g.nodeCount; n++) {
    if (g.type(n) !== 'object') continue;
    const name = g.name(n);
    const e = by.get(name) ?? [name, 0, 0];
    e[1]++;
    e[2] += g.selfSize(n);
    by.set(name, e);
  }
  return [...by.values()].sort((a, b) => b[1] - a[1] || b[2] - a[2]);
}

/** A constructor of the program's own (not JavaScript's, not V8's internals). */
function isOwnType(name: string): boolean {
  return name !== '' && !name.startsWith('(') && !name.startsWith('system') && !name.startsWith('Internal') &&
    !BUILTIN.has(name) && /^[A-Za-z_$][\w$]*$/.test(name);
}

/** The program's own type holding the most: its instances' shallow bytes, then count. */
export function defaultType(g: HeapGraph): string | null {
  const own = objectTypes(g).filter(([name]) => isOwnType(name));
  own.sort((a, b) => b[2] - a[2] || b[1] - a[1]);
  return own.length > 0 ? own[0][0] : null;
}

/** The program's own type whose instances grew most in number since `before` (a census); null if none grew. */
export function grewMost(g: HeapGraph, before: Census): { type: string; countDiff: number } | null {
  const grown = censusGrowth({ timeNs: 0, label: 'now', gcForced: false, pauseNs: 0, entries: g.census() }, before)
    .filter((e) => e.type === 'object' && isOwnType(e.name) && e.countDiff > 0);
  return grown.length > 0 ? { type: grown[0].name, countDiff: grown[0].countDiff } : null;
}

/** One holder's part of a path. */
function holderName(g: HeapGraph, n: number): string {
  const t = g.type(n);
  if (t === 'object') return g.name(n);
  if (t === 'closure') return `${g.name(n) || '(anonymous)'}()`;
  if (g.isString(n)) return 'string';
  return '';
}

const COLLECTIONS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet']);
const ASYNC_HOLDERS = new Set(['Promise', 'Generator', 'AsyncGenerator', 'AsyncFunctionAwait']);

/** The path from the roots to `n` as the program names it. */
export function renderPath(g: HeapGraph, n: number): string | null {
  const parent = g.parentEdges();
  const edges: number[] = [];
  for (let x = n; parent[x] >= 0; x = g.edgeFrom(parent[x])) edges.unshift(parent[x]);
  if (edges.length === 0 && n !== 0) return null;
  const parts: string[] = [];
  // Where the program's own names start: its first closure or module variable.
  let firstVariable = -1;
  let inCollection = false;
  for (const e of edges) {
    const from = g.edgeFrom(e);
    // The synthetic roots ((GC roots), (Stack roots)...) are not the program's names.
    if (g.type(from) === 'synthetic') continue;
    const to = g.edgeTo(e);
    // A string built by `+` or a template is a tree of pieces in V8 (a
    // concatenated string's first and second, a sliced string's parent): a
    // piece is part of the string the program holds, not held by another
    // string, so every piece of a logged line reads `… → [i] string`.
    if (g.isString(from) && g.isString(to)) continue;
    const type = g.edgeType(e);
    const name = g.edgeName(e);
    let label = '';
    if (type === 'context') {
      label = String(name);
      // `this` captured by a closure is where the closure was made (often a
      // pending request's or promise's), and a variable holding a function
      // (an imported `remember`) only leads into that function's scope: the
      // program's name for the holder is a variable of that scope.
      if (firstVariable < 0 && name !== 'this' && g.type(to) !== 'closure') firstVariable = parts.length;
    }
    else if (type === 'property') label = `.${String(name)}`;
    else if (type === 'element') label = inCollection ? 'value' : '[i]';
    else if ((type === 'internal' || type === 'hidden') && COLLECTIONS.has(g.name(from)) && name === 'table') {
      inCollection = true;
      continue;
    } else if ((type === 'internal' || type === 'hidden') && inCollection) label = 'value';
    if (label === 'value') inCollection = false;
    const holder = holderName(g, to);
    // Pending async work (a promise's reactions, a suspended async function)
    // holds whatever scope awaits it: the program's names start after it.
    if (ASYNC_HOLDERS.has(holder)) firstVariable = -1;
    const part = [label, holder].filter((x) => x !== '').join(' ');
    if (part !== '' && part !== 'system / Context') parts.push(part);
    else if (type === 'context' && firstVariable === parts.length) firstVariable = -1;
  }
  // What held the variable's scope (a pending promise's callback, a timer) is not the leak's name.
  const named = firstVariable >= 0 ? parts.slice(firstVariable) : parts;
  return named.length > 0 ? named.join(' → ') : '(the runtime\'s own roots)';
}

/**
 * `typeName`'s instances; without one, the program's type that grew most
 * since `since` (a census), else the one holding the most bytes.
 */
export function retainersOf(g: HeapGraph, typeName: string | null, top = 10, since: Census | null = null): RetainersResult {
  const grown = typeName === null && since !== null ? grewMost(g, since) : null;
  const type = typeName ?? grown?.type ?? defaultType(g);
  if (type === null) throw new RangeError('no object type of the program\'s own in this heap snapshot: give one with --type');
  const found = clusterPaths(g, top, (n) => g.type(n) === 'object' && g.name(n) === type);
  if (found.instances === 0) {
    const known = objectTypes(g).slice(0, 20).map(([name, count]) => `${name || '(no name)'} (${count})`);
    throw new RangeError(`no objects of type "${type}" in this heap snapshot (the most common: ${known.join(', ')})`);
  }
  return {
    type,
    site: null,
    chosen: typeName !== null ? 'given'
      : grown ? `the program's type that grew most since "${(since as Census).label}" (+${grown.countDiff})`
        : 'the program\'s type holding the most bytes',
    ...found,
  };
}

/**
 * The objects allocated at `site` (a function, a file, or file:line; see
 * siteMatcher) and still live, of any type, traced back the same way. Needs
 * a snapshot taken with allocation tracking on.
 */
export function siteRetainersOf(g: HeapGraph, site: string, top = 10): RetainersResult {
  if (!hasAllocationTraces(g)) {
    throw new RangeError('this heap snapshot has no allocation traces: --site needs one saved with allocation tracking on ' +
      '(DevTools\' "Allocation instrumentation on timeline"), or use suspects on the running process');
  }
  const sites = allocationSites(g);
  const wanted = siteMatcher(site);
  const found = clusterPaths(g, top, (n) => {
    const traceId = g.traceNodeId(n);
    const at = traceId === 0 ? undefined : sites.get(traceId);
    return at !== undefined && wanted(at);
  });
  if (found.instances === 0) {
    const known = [...new Set([...sites.values()].filter((s) => s[1] !== '').map((s) => `${s[0] || '(anonymous)'} (${s[1]}:${s[2]})`))].slice(0, 20);
    throw new RangeError(`no live object allocated at "${site}" in this heap snapshot (allocating functions in it: ${known.join(', ')})`);
  }
  return { type: '', site, chosen: 'given', ...found };
}

/** The shortest retaining paths of the nodes `select` picks, alike ones together. */
function clusterPaths(g: HeapGraph, top: number, select: (n: number) => boolean): Pick<RetainersResult, 'instances' | 'size' | 'unreachable' | 'clusters'> {
  const clusters = new Map<string, RetainerCluster>();
  let instances = 0;
  let size = 0;
  let unreachable = 0;
  for (let n = 0; n < g.nodeCount; n++) {
    if (!select(n)) continue;
    instances++;
    size += g.selfSize(n);
    const path = renderPath(g, n);
    if (path === null) {
      unreachable++;
      continue;
    }
    const c = clusters.get(path) ?? { path, count: 0, size: 0, exampleId: g.id(n) };
    c.count++;
    c.size += g.selfSize(n);
    clusters.set(path, c);
  }
  return { instances, size, unreachable, clusters: [...clusters.values()].sort((a, b) => b.count - a.count || b.size - a.size).slice(0, top) };
}
