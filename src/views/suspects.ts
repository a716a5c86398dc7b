// `suspects`: allocating code joined with what holds its objects, one line
// per group, as text and JSON.
import type { Recorded, Suspect, SuspectsFinding } from '../model/findings';
import { JSON_SCHEMA } from './json';
import { formatSize, formatTime } from './units';

/** A window's answer (SuspectsFinding) as a view shows it; a saved snapshot has no window, mode or cost. */
export type SuspectsInput = Omit<SuspectsFinding, 'seconds' | 'precise'> & {
  source: string;
  /** The window in seconds (a live window), or null for a saved snapshot. */
  seconds: number | null;
  precise: boolean | null;
  snapshotMs: number | null;
  note: string | null;
};

function site(s: Suspect): string {
  const where = s.file === '' ? '(builtin)' : `${s.file}:${s.line}`;
  return `${s.function}() at ${where}`;
}

export function formatTextSuspects(r: SuspectsInput): string {
  const lines = [`${r.tracked.toLocaleString('en-US')} objects (${formatSize(r.trackedSize)}) allocated ${r.site === null ? '' : `at ${r.site} `}${r.seconds === null ? 'while allocations were tracked' : `in the ${r.seconds} s window`} ` +
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

export type JsonSuspects = { schema: typeof JSON_SCHEMA } & SuspectsInput;

export function toJsonSuspects(r: SuspectsInput): JsonSuspects {
  return { schema: JSON_SCHEMA, ...r };
}

/** The suspects answers a trace keeps (suspects() or POST /suspects while tracing to a file). */
export interface RecordedSuspectsInput {
  file: string;
  recorded: readonly Recorded<SuspectsFinding>[];
}

const asInput = (file: string, s: Recorded<SuspectsFinding>): SuspectsInput => ({ ...s, source: file, snapshotMs: null, note: null });

export function formatTextRecordedSuspects({ file, recorded }: RecordedSuspectsInput): string {
  if (recorded.length === 0) {
    return `No suspects windows in ${file}: their answers are kept when suspects() or POST /suspects runs while tracing to a file.\n`;
  }
  return recorded.map((s) => `suspects "${s.label}" at ${formatTime(s.timeNs)}: ${formatTextSuspects(asInput(file, s))}`).join('\n');
}

export interface JsonRecordedSuspects {
  schema: typeof JSON_SCHEMA;
  file: string;
  windows: Recorded<SuspectsFinding>[];
}

export function toJsonRecordedSuspects({ file, recorded }: RecordedSuspectsInput): JsonRecordedSuspects {
  return {
    schema: JSON_SCHEMA,
    file,
    windows: recorded.map((s) => ({
      timeNs: s.timeNs, label: s.label, seconds: s.seconds, site: s.site, tracked: s.tracked, trackedSize: s.trackedSize,
      suspects: s.suspects, precise: s.precise,
    })),
  };
}
