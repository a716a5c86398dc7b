// `info`: what a trace file holds and whether it is whole.
import type { TraceInfo } from '../replay/replay';
import { HeaderRecord } from '../format/proto';
import { JSON_SCHEMA } from './json';
import { formatSize, formatTime } from './units';

export interface JsonInfo {
  schema: typeof JSON_SCHEMA;
  file: string;
  bytes: number;
  header: HeaderRecord | null;
  durationNs: number;
  allocs: number;
  frees: number;
  /** requestedNs: when it was asked for, where that differs (near-heap-limit: V8's callback). */
  markers: { name: string; timeNs: number; requestedNs?: number }[];
  trailer: boolean;
  truncatedAt: number | null;
  /** The files read, in timeline order (several: the rotated files of one session). */
  parts: { file: string; bytes: number }[];
  /** Records skipped because they failed their checksum. */
  damaged: { file: string; offset: number; bytes: number }[];
}

export function toJsonInfo(t: TraceInfo): JsonInfo {
  return {
    schema: JSON_SCHEMA,
    file: t.name,
    bytes: t.bytes,
    header: t.header,
    durationNs: t.durationNs,
    allocs: t.allocs,
    frees: t.frees,
    markers: t.markers.map((m) => (m.requestedNs === null
      ? { name: m.name, timeNs: m.timeNs }
      : { name: m.name, timeNs: m.timeNs, requestedNs: m.requestedNs })),
    trailer: t.trailer,
    truncatedAt: t.truncatedAt,
    parts: t.parts.map((p) => ({ file: p.name, bytes: p.bytes })),
    damaged: t.parts.flatMap((p) => p.damaged.map((d) => ({ file: p.name, offset: d.offset, bytes: d.bytes }))),
  };
}

function startDate(ns: number): string {
  if (!ns) return 'unknown';
  return new Date(ns / 1e6).toISOString();
}

export function formatTextInfo(t: TraceInfo): string {
  const lines: string[] = [];
  const row = (label: string, value: string): void => {
    lines.push(`${(label + ':').padEnd(12)}${value}`);
  };
  row('File', `${t.name} (${t.bytes} bytes)`);
  const h = t.header;
  if (h) {
    row('Process', `pid ${h.pid}${h.threadId ? ` thread ${h.threadId}` : ''} on ${h.hostname || '?'}, node ${h.nodeVersion || '?'} (V8 ${h.v8Version || '?'})`);
    row('Command', h.argv.join(' '));
    row('Cwd', h.cwd);
    row('Started', startDate(h.startTimeUnixNs));
    row('Sampling', `every ${formatSize(h.sampleInterval)} on average, ${h.stackDepth} frames, polled every ${h.pollIntervalMs} ms, ` +
      (h.precise ? 'precise (inlining off)' : 'inlining on (inlined callees charged to callers)') +
      (t.preciseSwitches > 0 ? ` at the start, then precise mode switched ${t.preciseSwitches} times (markers precise-on / precise-off)` : ''));
  } else {
    row('Process', 'unknown (no header)');
  }
  if (t.parts.length > 1 || (h !== null && h.part > 0)) {
    row('Rotated', t.parts.length > 1
      ? `${t.parts.length} files of the session read as one timeline`
      : `file ${h?.part} of a session that rotated (its start restates the live set; earlier files hold the history)`);
  }
  if (t.segments > 1) row('Sessions', `${t.segments} (tracing was restarted; each starts from an empty live set)`);
  row('Duration', formatTime(t.durationNs));
  row('Samples', `${t.allocs} allocations, ${t.frees} frees, ${t.liveAtEnd} live at the end, ${t.polls} polls`);
  row('Markers', t.markers.length === 0 ? 'none'
    : t.markers.map((m) => `${m.name} (${formatTime(m.timeNs)}${m.gcForced ? ', after GC' : ''}` +
      `${m.requestedNs !== null ? `, V8 called at ${formatTime(m.requestedNs)}` : ''})`).join(', '));
  row('Trailer', t.trailer ? 'present (tracing stopped cleanly)'
    : 'missing: the process died or was killed before tracing stopped (or it is still running)');
  row('Truncated', t.truncatedAt === null ? 'no' : `at byte ${t.truncatedAt} (everything before it was read)`);
  const damaged = t.parts.flatMap((p) => p.damaged.map((d) => ({ ...d, file: p.name })));
  const unchecked = t.parts.every((p) => p.version === 1);
  row('Damaged', damaged.length === 0 ? (unchecked ? 'not checked (format 1: no checksums)' : 'none (every record checked out)')
    : `${damaged.length} records skipped, ${damaged.reduce((a, d) => a + d.bytes, 0)} bytes: ` +
      damaged.slice(0, 5).map((d) => `${t.parts.length > 1 ? `${d.file} ` : ''}byte ${d.offset}`).join(', ') +
      (damaged.length > 5 ? ', ...' : ''));
  return lines.join('\n') + '\n';
}
