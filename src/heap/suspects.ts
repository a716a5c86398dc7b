// "Allocated here, held there": for the objects allocated while the
// inspector tracked allocations and still live at the snapshot, the
// allocating function (from the snapshot's trace tree) joined with the
// object's shortest retaining path, grouped and ranked by bytes. One answer
// of the form "remember() at app.js:10 allocated 9,400 objects (3.1 MB)
// still held by registry Map → value Session → .history Array → [i]".
import { HeapGraph } from './graph';
import { renderPath } from './retainers';

export interface Suspect {
  /** The allocating function: name, script and line (1-based in the snapshot's trace_function_infos: its definition line). */
  function: string;
  file: string;
  line: number;
  /** The retaining path of the objects (alike paths together). */
  path: string;
  count: number;
  /** Shallow bytes of those objects. */
  size: number;
}

/** Allocation site of every trace node id: [name, script, 1-based line]. */
function allocationSites(g: HeapGraph): Map<number, [string, string, number]> {
  const d = g.data;
  const fields = ((d.meta as unknown as { trace_function_info_fields?: string[] }).trace_function_info_fields) ?? [];
  const width = fields.length;
  const nameAt = fields.indexOf('name');
  const scriptAt = fields.indexOf('script_name');
  const lineAt = fields.indexOf('line');
  const fn = (i: number): [string, string, number] => {
    const base = i * width;
    const line = d.traceFunctionInfos[base + lineAt];
    return [d.strings[d.traceFunctionInfos[base + nameAt]] || '(anonymous)', d.strings[d.traceFunctionInfos[base + scriptAt]] ?? '',
      line > 0 && line < 0x7fffffff ? line : 0];
  };
  const out = new Map<number, [string, string, number]>();
  // Nodes are [id, function_info_index, count, size, [children...]], children flattened the same way.
  const walk = (list: unknown[]): void => {
    for (let i = 0; i + 4 < list.length; i += 5) {
      const id = list[i] as number;
      const fi = list[i + 1] as number;
      out.set(id, fn(fi));
      walk(list[i + 4] as unknown[]);
    }
  };
  walk(d.traceTree);
  return out;
}

/** Groups of (allocating function, retaining path) among the objects the trace tree names, by bytes. */
export function suspectsOf(g: HeapGraph, top = 10, ownFile: (file: string) => boolean = () => false): { suspects: Suspect[]; tracked: number; trackedSize: number } {
  const sites = allocationSites(g);
  const groups = new Map<string, Suspect>();
  let tracked = 0;
  let trackedSize = 0;
  for (let n = 0; n < g.nodeCount; n++) {
    const traceId = g.traceNodeId(n);
    if (traceId === 0) continue;
    const site = sites.get(traceId);
    // The measuring's own allocations (the inspector session, the window's promise) are not the app's.
    if (!site || ownFile(site[1])) continue;
    const path = renderPath(g, n);
    if (path === null) continue; // garbage the snapshot still held
    tracked++;
    trackedSize += g.selfSize(n);
    const key = `${site[0]}\0${site[1]}\0${site[2]}\0${path}`;
    const s = groups.get(key) ?? { function: site[0], file: site[1], line: site[2], path, count: 0, size: 0 };
    s.count++;
    s.size += g.selfSize(n);
    groups.set(key, s);
  }
  return { suspects: [...groups.values()].sort((a, b) => b.size - a.size || b.count - a.count).slice(0, top), tracked, trackedSize };
}
