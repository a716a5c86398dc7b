// `retainers`: who holds a type's instances, one line per cluster of
// identical paths, as text and JSON.
import type { RetainersResult } from '../heap/retainers';
import { JSON_SCHEMA } from './json';
import { formatSize } from './units';

export interface RetainersInput {
  file: string;
  result: RetainersResult;
}

export function formatTextRetainers({ file, result: r }: RetainersInput): string {
  const what = r.site !== null ? `${r.instances} live objects allocated at ${r.site}` : `${r.instances} ${r.type} objects`;
  const lines = [`${what} (${formatSize(r.size)} shallow) in ${file}` +
    `${r.chosen === 'given' ? '' : ` — ${r.type} is ${r.chosen}`}; shortest retaining paths from the GC roots, alike ones together:`];
  for (const c of r.clusters) lines.push(`${String(c.count).padStart(8)}  ${formatSize(c.size).padStart(9)}  ${c.path}  (e.g. @${c.exampleId})`);
  if (r.unreachable > 0) lines.push(`${String(r.unreachable).padStart(8)}  held by no strong path (garbage kept in the snapshot, or only weakly held)`);
  return `${lines.join('\n')}\n`;
}

export interface JsonRetainers {
  schema: typeof JSON_SCHEMA;
  file: string;
  type: string;
  site: string | null;
  chosen: string;
  instances: number;
  size: number;
  unreachable: number;
  clusters: RetainersResult['clusters'];
}

export function toJsonRetainers({ file, result: r }: RetainersInput): JsonRetainers {
  return { schema: JSON_SCHEMA, file, type: r.type, site: r.site, chosen: r.chosen, instances: r.instances, size: r.size, unreachable: r.unreachable, clusters: r.clusters };
}
