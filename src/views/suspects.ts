// `suspects`: allocating code joined with what holds its objects, one line
// per group, as text and JSON.
import type { Suspect } from '../heap/suspects';
import { JSON_SCHEMA } from './json';
import { formatSize } from './units';

export interface SuspectsInput {
  source: string;
  /** The window in seconds (a live window), or null for a saved snapshot. */
  seconds: number | null;
  /** Only the objects allocated at this site (a function, file or file:line), or null for all. */
  site: string | null;
  tracked: number;
  trackedSize: number;
  suspects: Suspect[];
  snapshotMs: number | null;
  precise: boolean | null;
  note: string | null;
}

function site(s: Suspect): string {
  const where = s.file === '' ? '(builtin)' : `${s.file}:${s.line}`;
  return `${s.function}() at ${where}`;
}

export function formatTextSuspects(r: SuspectsInput): string {
  const lines = [`${r.tracked} objects (${formatSize(r.trackedSize)}) allocated ${r.site === null ? '' : `at ${r.site} `}${r.seconds === null ? 'while allocations were tracked' : `in the ${r.seconds} s window`} ` +
    `and still live in ${r.source === 'live' ? 'the running process' : r.source}; by allocating function and what holds them, most bytes first:`];
  for (const s of r.suspects) {
    lines.push(`  ${site(s)} allocated ${s.count.toLocaleString('en-US')} objects (${formatSize(s.size)}) still held by ${s.path}`);
  }
  if (r.suspects.length === 0) lines.push('  nothing allocated in the window is still live');
  if (r.precise === false) lines.push('Note: precise mode was not switched on for the window: functions V8 inlined are charged to their callers.');
  if (r.snapshotMs !== null) lines.push(`The closing heap snapshot paused the app ${r.snapshotMs.toFixed(0)} ms.`);
  if (r.note) lines.push(`Note: ${r.note}.`);
  return `${lines.join('\n')}\n`;
}

export interface JsonSuspects extends SuspectsInput {
  schema: typeof JSON_SCHEMA;
}

export function toJsonSuspects(r: SuspectsInput): JsonSuspects {
  return { schema: JSON_SCHEMA, ...r };
}
