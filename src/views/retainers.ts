// `retainers`: who holds a type's instances, one line per cluster of
// identical paths, as text and JSON.
import type { Recorded, RetainersResult } from '../model/findings';
import { JSON_SCHEMA } from './json';
import { formatSize, formatTime } from './units';

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

export type JsonRetainers = { schema: typeof JSON_SCHEMA; file: string } & RetainersResult;

/** The answer's own fields (a recorded one also has its time and label). */
const answerOf = (r: RetainersResult): RetainersResult => ({
  type: r.type, site: r.site, chosen: r.chosen, instances: r.instances, size: r.size, unreachable: r.unreachable, clusters: r.clusters,
});

export function toJsonRetainers({ file, result }: RetainersInput): JsonRetainers {
  return { schema: JSON_SCHEMA, file, ...answerOf(result) };
}

/** The retainers answers a trace keeps (retainers() or GET /retainers while tracing to a file). */
export interface RecordedRetainersInput {
  file: string;
  recorded: readonly Recorded<RetainersResult>[];
}

export function formatTextRecordedRetainers({ file, recorded }: RecordedRetainersInput): string {
  if (recorded.length === 0) {
    return `No retainers in ${file}: they are kept when retainers() or GET /retainers runs while tracing to a file.\n`;
  }
  return recorded.map((r) => `retainers "${r.label}" at ${formatTime(r.timeNs)}: ${formatTextRetainers({ file, result: r })}`).join('\n');
}

export interface JsonRecordedRetainers {
  schema: typeof JSON_SCHEMA;
  file: string;
  retainers: Recorded<RetainersResult>[];
}

export function toJsonRecordedRetainers({ file, recorded }: RecordedRetainersInput): JsonRecordedRetainers {
  return {
    schema: JSON_SCHEMA,
    file,
    retainers: recorded.map((r) => ({ timeNs: r.timeNs, label: r.label, ...answerOf(r) })),
  };
}
