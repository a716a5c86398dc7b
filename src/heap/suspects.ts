// "Allocated here, held there": for the objects allocated while the
// inspector tracked allocations and still live at the snapshot, the
// allocating function (from the snapshot's trace tree) joined with the
// object's shortest retaining path, grouped and ranked by bytes. One answer
// of the form "remember() at app.js:10 allocated 9,400 objects (3.1 MB)
// still held by registry Map → value Session → .history Array → [i]".
import type { Suspect } from '../model/findings';
import { HeapGraph } from './graph';
import { allocationSites, siteMatcher } from './allocation-sites';
import { renderPath } from './retainers';

export type { Suspect } from '../model/findings';

/**
 * Groups of (allocating function, retaining path) among the objects the
 * trace tree names, by bytes; with `site`, only the objects allocated there.
 */
export function suspectsOf(g: HeapGraph, top = 10, ownFile: (file: string) => boolean = () => false, site?: string): { suspects: Suspect[]; tracked: number; trackedSize: number } {
  const wanted = site === undefined ? () => true : siteMatcher(site);
  const sites = allocationSites(g);
  const groups = new Map<string, Suspect>();
  let tracked = 0;
  let trackedSize = 0;
  for (let n = 0; n < g.nodeCount; n++) {
    const traceId = g.traceNodeId(n);
    if (traceId === 0) continue;
    const at = sites.get(traceId);
    // The measuring's own allocations (the inspector session, the window's promise) are not the app's.
    if (!at || ownFile(at[1]) || !wanted(at)) continue;
    const path = renderPath(g, n);
    if (path === null) continue; // garbage the snapshot still held
    tracked++;
    trackedSize += g.selfSize(n);
    const key = `${at[0]}\0${at[1]}\0${at[2]}\0${path}`;
    const s = groups.get(key) ?? { function: at[0], file: at[1], line: at[2], path, count: 0, size: 0 };
    s.count++;
    s.size += g.selfSize(n);
    groups.set(key, s);
  }
  return { suspects: [...groups.values()].sort((a, b) => b.size - a.size || b.count - a.count).slice(0, top), tracked, trackedSize };
}
