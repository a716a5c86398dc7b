// Which of the files given together are the rotated parts of one session
// (read one after the other as one timeline) and which are other processes
// or threads (merged side by side). Decided from each file's first Header:
// a rotated file has the same pid, thread, host and start time as the file
// it continues, and a higher part number.
import * as fs from 'node:fs';
import { HeaderRecord } from '../format/proto';
import { TraceReader } from '../format/reader';

function firstHeader(file: string): HeaderRecord | null {
  try {
    // Only regular files can be read twice (not a pipe or stdin).
    if (!fs.statSync(file).isFile()) return null;
    for (const { record } of new TraceReader(file).records()) {
      return record.kind === 'header' ? record.header : null;
    }
  } catch {
    // Unreadable or not a trace: loading it on its own says why.
  }
  return null;
}

const processKey = (h: HeaderRecord): string => `${h.hostname}\0${h.pid}\0${h.threadId}`;

/**
 * The files grouped into timelines, each in reading order; groups in the
 * order their first file was given. A file whose first Header continues a
 * session (part > 0) joins that session's files; if none was given, it
 * joins the latest earlier session of the same process and thread (tracing
 * restarted into that file, then rotated), else it stands alone.
 */
export function groupTimelines(files: readonly string[]): string[][] {
  if (files.length < 2) return files.map((f) => [f]);
  const entries = files.map((file, index) => ({ file, index, header: firstHeader(file) }));
  type Entry = (typeof entries)[number];
  const sessions = new Map<string, Entry[]>();
  const groups: Entry[][] = [];
  for (const e of entries) {
    const key = e.header ? `${processKey(e.header)}\0${e.header.startTimeUnixNs}` : `\0${e.index}`;
    let group = sessions.get(key);
    if (!group) {
      group = [];
      sessions.set(key, group);
      groups.push(group);
    }
    group.push(e);
  }
  const orphans = groups.filter((g) => g[0].header !== null && g.every((e) => (e.header as HeaderRecord).part > 0));
  for (const orphan of orphans) {
    const h = orphan[0].header as HeaderRecord;
    let host: Entry[] | null = null;
    for (const g of groups) {
      const gh = g[0].header;
      if (g === orphan || !gh || processKey(gh) !== processKey(h) || gh.startTimeUnixNs >= h.startTimeUnixNs) continue;
      if (!host || gh.startTimeUnixNs > (host[0].header as HeaderRecord).startTimeUnixNs) host = g;
    }
    if (host) {
      host.push(...orphan);
      groups.splice(groups.indexOf(orphan), 1);
    }
  }
  return groups.map((g) => g
    .sort((a, b) => {
      const ha = a.header as HeaderRecord;
      const hb = b.header as HeaderRecord;
      return ha.startTimeUnixNs - hb.startTimeUnixNs || ha.part - hb.part || a.index - b.index;
    })
    .map((e) => e.file));
}
